"""``recctl show`` and ``recctl ls``."""

import contextlib
import enum
import os
import sys
from collections.abc import Generator, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from recctl.cli._options import (
    AllowEmpty,
    Jobs,
    Paths,
    Root,
    Used,
    complete_hashes,
    project,
    projects,
    usage_logs,
)
from recctl.errors import ExitCode

if TYPE_CHECKING:
    from recctl.show import Entry


class GroupBy(str, enum.Enum):
    """What ``ls --summary`` groups by (``recctl.show.GROUPS``)."""

    model = "model"
    provider = "provider"
    endpoint = "endpoint"
    test = "test"


class ViewFormat(str, enum.Enum):
    text = "text"
    json = "json"


ViewFormatOption = Annotated[
    ViewFormat,
    typer.Option("--format", "-f", help="text for people, json for one JSON line per item."),
]


def show(
    refs: Annotated[
        list[str],
        typer.Argument(
            metavar="REF",
            autocompletion=complete_hashes,
            help=(
                "Recording or cassette paths (PATH:N for one interaction, from 0), "
                "directories, full hashes or unique hash prefixes (4+ hex)."
            ),
            show_default=False,
        ),
    ],
    output: ViewFormatOption = ViewFormat.text,
    raw: Annotated[bool, typer.Option("--raw", help="Print the file's JSON as it is.")] = False,
    chunks: Annotated[
        bool, typer.Option("--chunks", help="List the chunks of a stream, one line each.")
    ] = False,
    reveal: Annotated[
        bool,
        typer.Option("--reveal", help="Show secrets instead of masking them (on a terminal only)."),
    ] = False,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """Show recordings and cassettes as conversations.

    Per interaction, the request as a transcript, then the answer reassembled from its
    chunks: text, reasoning, tool calls, finish reason and usage.
    """
    from recctl import show as core
    from recctl import store
    from recctl.output import revealing
    from recctl.recorders import NotARecording
    from recctl.reporters import Display, write_file_error, write_json_lines
    from recctl.reporters.show import render_chunks, render_show

    if reveal and not (sys.stdout.isatty() and output is ViewFormat.text):
        from recctl.errors import UsageError

        raise UsageError("--reveal shows secrets on a terminal only, as text")
    cwd = Path.cwd()
    named = [core.split_ref(ref, cwd)[0] for ref in refs if core.looks_like_path(ref, cwd)]
    groups = projects(named, root)
    # Hashes are looked up in the project of the paths named, else of the current directory.
    targets = core.resolve_refs(refs, groups[0][0], cwd)
    # Files of several projects: the strictest size limit among them holds for all.
    max_size = min(found.config.max_file_size for found, _ in groups)
    display = Display(cwd)
    if output is ViewFormat.json and not raw:
        records = core.entries(targets, max_size, jobs, with_record=True)
        failed = False
        for entry in records:
            failed = failed or entry.error is not None
            # One object per interaction (an empty cassette has none), or the file's error.
            if entry.error is not None:
                write_json_lines([{"path": display(entry.path), "error": entry.error}], sys.stdout)
            for record in entry.records or ():
                write_json_lines([{**record, "path": display(entry.path)}], sys.stdout)
        raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))
    failed = False
    explicit = {os.path.abspath(os.path.join(cwd, ref)) for ref in named}
    for path, index in targets:
        try:
            if raw:
                # The one loader: regular files only, bounded in size, a FIFO never waited on.
                sys.stdout.buffer.write(core.raw_view(path, max_size, reveal))
                sys.stdout.flush()
                continue
            shown = core.load_shown(path, max_size, reveal, index)
        except NotARecording as error:
            # Another tool's file in a cassette folder is skipped, unless named on its own.
            if os.path.abspath(path) in explicit:
                write_file_error(sys.stderr, display(path), error.message)
                failed = True
            continue
        except store.LoadError as error:
            write_file_error(sys.stderr, display(path), error.message)
            failed = True
            continue
        with revealing() if reveal else contextlib.nullcontext():
            for one in shown:
                if chunks:
                    render_chunks(one.body, sys.stdout)
                else:
                    render_show(one, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def ls(
    paths: Paths = None,
    test: Annotated[
        str | None,
        typer.Option(
            "--test", metavar="GLOB", help="Only tests matching this glob.", show_default=False
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model", metavar="GLOB", help="Only models matching this glob.", show_default=False
        ),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            metavar="GLOB",
            help="Only endpoints matching this glob.",
            show_default=False,
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            metavar="GLOB",
            help="Only this provider host (a glob).",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Totals per group instead of one row per file.")
    ] = False,
    by: Annotated[
        GroupBy | None,
        typer.Option(
            "--by",
            help="With --summary: group by model (default), provider, endpoint or test (file).",
            show_default=False,
        ),
    ] = None,
    used: Used = None,
    allow_empty: AllowEmpty = None,
    output: ViewFormatOption = ViewFormat.text,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """List recordings and cassettes, or sum them up.

    A table with a row per file (a cassette's row sums its interactions), or with --summary
    totals by model, provider, endpoint or test; with --used, how often replay runs opened
    each recording, and by which tests.
    """
    from recctl import show as core
    from recctl.discovery import find_fixture_names
    from recctl.errors import UsageError

    if by is not None and not summary:
        raise UsageError("--by goes with --summary")
    group_by = (by or GroupBy.model).value
    where = project(paths, root)
    # Usage logs name what replay opened: the files of the recorders they cover.
    files = find_fixture_names(paths or [], where, Path.cwd(), "coverage" if used else "ls")
    if used:
        if summary or test or model or endpoint or provider:
            raise UsageError("--used lists every recording: no --summary or filters with it")
        from recctl.reporters.usage import USED_REPORTERS
        from recctl.usage import file_uses

        uses = file_uses(files, usage_logs(used, where, allow_empty), where)
        USED_REPORTERS[output.value](uses, sys.stdout)
        raise typer.Exit(int(ExitCode.OK))
    filters = core.Filters(test, model, endpoint, provider)
    failed: list[str] = []
    # Entries stream from the workers to the reporter: only a terminal table holds them all.
    listed = _with_progress(core.entries(files, where.config.max_file_size, jobs), len(files))
    stream = _noting_failures((entry for entry in listed if filters.keep(entry)), failed)
    try:
        _list(stream, summary, group_by, output)
    finally:
        listed.close()  # the progress bar goes, whatever stopped the listing (a closed pipe)
    raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def _list(stream: "Iterator[Entry]", summary: bool, by: str, output: "ViewFormat") -> None:
    from recctl import show as core
    from recctl.reporters import Display, write_json_lines
    from recctl.reporters.show import render_ls, render_summary

    if summary:
        groups = core.summarize(stream, by)
        if output is ViewFormat.json:
            rows = [{"by": by, **asdict(group)} for group in groups]
            if groups:
                rows.append({"by": by, **asdict(core.total(groups)), "key": None, "total": True})
            write_json_lines(rows, sys.stdout)
        else:
            render_summary(groups, by, sys.stdout)
    elif output is ViewFormat.json:
        display = Display()
        write_json_lines(
            (
                {
                    **{k: v for k, v in asdict(entry).items() if k not in ("records", "parts")},
                    "path": display(entry.path),
                }
                for entry in stream
            ),
            sys.stdout,
        )
    else:
        render_ls(stream, sys.stdout)


def _noting_failures(stream: "Iterator[Entry]", failed: list[str]) -> "Iterator[Entry]":
    """The entries, passed on; the paths of those that could not be read, noted."""
    for entry in stream:
        if entry.error is not None:
            failed.append(entry.path)
        yield entry


Item = TypeVar("Item")


def _with_progress(items: Iterator[Item], total: int) -> Generator[Item, None, None]:
    # A bar on stderr, only on a terminal, and only when a listing takes a while.
    if total <= 300 or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import Progress

    from recctl.reporters.show import quiet_pipe_console

    with Progress(transient=True, console=quiet_pipe_console()(stderr=True)) as progress:
        task = progress.add_task("reading recordings", total=total)
        for item in items:
            progress.advance(task)
            yield item


def register(app: typer.Typer) -> None:
    app.command("show")(show)
    app.command("ls")(ls)

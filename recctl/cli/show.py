"""``recctl show`` and ``recctl ls``."""

import enum
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from recctl.cli._options import Jobs, Paths, config


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
            help="Recording paths, directories, full hashes or unique hash prefixes (4+ hex).",
            show_default=False,
        ),
    ],
    output: ViewFormatOption = ViewFormat.text,
    raw: Annotated[bool, typer.Option("--raw", help="Print the file's JSON as it is.")] = False,
    chunks: Annotated[
        bool, typer.Option("--chunks", help="List the chunks of a stream, one line each.")
    ] = False,
    jobs: Jobs = None,
) -> None:
    """Show recordings as conversations.

    The request as a transcript, then the answer reassembled from its chunks: text,
    reasoning, tool calls, finish reason and usage.
    """
    from recctl import show as core
    from recctl.discovery import display_path
    from recctl.show_reporters import render_chunks, render_show, write_json_lines

    settings = config()
    cwd = Path.cwd()
    paths = core.resolve_refs(refs, settings, cwd)
    if output is ViewFormat.json and not raw:
        records = core.entries(paths, cwd, settings.max_file_size, jobs, with_record=True)
        write_json_lines(
            (entry.record or {"path": entry.path, "error": entry.error} for entry in records),
            sys.stdout,
        )
        return
    for path in paths:
        display = display_path(path, cwd)
        if raw:
            sys.stdout.buffer.write(path.read_bytes())
            sys.stdout.flush()
            continue
        shown = core.load_shown(path, display, settings.max_file_size)
        if chunks:
            render_chunks(shown.body, sys.stdout)
        else:
            render_show(shown, sys.stdout)


def ls(
    paths: Paths = None,
    test: Annotated[
        str | None,
        typer.Option("--test", help="Only tests matching this glob.", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Only models matching this glob.", show_default=False),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Only endpoints matching this glob.", show_default=False),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option("--provider", help="Only this provider host (a glob).", show_default=False),
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Totals per group instead of one row per file.")
    ] = False,
    by: Annotated[
        str,
        typer.Option("--by", help="Group --summary by model, provider, endpoint or test (file)."),
    ] = "model",
    output: ViewFormatOption = ViewFormat.text,
    jobs: Jobs = None,
) -> None:
    """List recordings, or sum them up.

    A table of recordings, or with --summary totals by model, provider, endpoint or test.
    """
    from recctl import show as core
    from recctl.discovery import find_recordings
    from recctl.show_reporters import render_ls, render_summary, write_json_lines

    settings = config()
    cwd = Path.cwd()
    if summary and by not in core.GROUPS:
        from recctl.errors import UsageError

        raise UsageError(f"--by takes one of {', '.join(core.GROUPS)}")
    files = find_recordings(paths or [], settings, cwd)
    filters = core.Filters(test, model, endpoint, provider)
    found = [
        entry
        for entry in _with_progress(
            core.entries(files, cwd, settings.max_file_size, jobs), len(files)
        )
        if filters.keep(entry)
    ]
    if summary:
        groups = core.summarize(found, by)
        if output is ViewFormat.json:
            write_json_lines(({"by": by, **asdict(group)} for group in groups), sys.stdout)
        else:
            render_summary(groups, by, sys.stdout)
        return
    if output is ViewFormat.json:
        write_json_lines(
            ({k: v for k, v in asdict(entry).items() if k != "record"} for entry in found),
            sys.stdout,
        )
    else:
        render_ls(found, sys.stdout)


Item = TypeVar("Item")


def _with_progress(items: Iterator[Item], total: int) -> Iterator[Item]:
    # A bar on stderr, only on a terminal, and only when a listing takes a while.
    if total <= 300 or not sys.stderr.isatty():
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("reading recordings", total=total)
        for item in items:
            progress.advance(task)
            yield item


def register(app: typer.Typer) -> None:
    app.command("show")(show)
    app.command("ls")(ls)

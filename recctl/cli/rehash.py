"""``recctl rehash`` and ``recctl hash``."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import (
    Jobs,
    NoCache,
    Paths,
    ReportFormatOption,
    Root,
    Scheme,
    format_name,
    project,
    result_cache,
    stop_if_interrupted,
    writing,
)
from recctl.errors import ExitCode, UsageError


def rehash(
    paths: Paths = None,
    scheme: Scheme = None,
    write: Annotated[
        bool, typer.Option("--write", help="Rename outdated files (default: a dry run).")
    ] = False,
    include_mismatch: Annotated[
        bool,
        typer.Option(
            "--include-mismatch",
            help="With --write, also rename files no scheme names, after their stored request.",
        ),
    ] = False,
    explain: Annotated[
        Path | None,
        typer.Option(
            "--explain",
            metavar="FILE",
            help="Explain one file's verdict with the canonical forms that were hashed.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="With --explain, print every canonical form whole.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when files are not ok.")
    ] = False,
    output: ReportFormatOption = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    root: Root = None,
) -> None:
    """Verify and repair the request hashes in file names.

    Hashes every recording under every scheme the recorder ever used and says whether its
    name is the target scheme's hash (ok), an older scheme's (outdated), no scheme's
    (mismatch), or whether its kind has no hash recipe (unhashable). --write renames
    outdated files and rewrites the rec- ids derived from the hash; it never overwrites.
    """
    from recctl import rehash as core
    from recctl.discovery import find_fixture_names
    from recctl.hashing import get_scheme
    from recctl.output import block
    from recctl.reporters import Display
    from recctl.reporters.rehash import REPORTERS, ok_line_writer

    if explain is not None:
        paths = [str(explain), *(paths or [])]
    found = project(paths, root)
    settings = found.config
    target = get_scheme(scheme or settings.hash_scheme)
    if explain is not None:
        display = Display()(os.path.abspath(explain))
        text = core.explain_file(explain, display, target, settings.max_file_size, full)
        sys.stdout.write(block(text.rstrip("\n"), indent="") + "\n")
        raise typer.Exit()
    if full:
        raise UsageError("--full goes with --explain")
    if include_mismatch and not write:
        raise UsageError("--include-mismatch only makes sense with --write")
    files = find_fixture_names(paths or [], found, Path.cwd(), "rehash")
    name = format_name(output)
    cache = result_cache(found, "rehash", core.cache_key(target, settings.max_file_size), no_cache)
    with writing([Path(file) for file in files] if write else [], write) as stop:
        result = core.rehash(
            files,
            target,
            found.root,
            settings.max_file_size,
            jobs,
            write,
            include_mismatch,
            stop,
            cache,
            ok_line_writer(sys.stdout) if name == "json" else None,
        )
    REPORTERS[name](result, sys.stdout)
    stop_if_interrupted(stop)
    raise typer.Exit(int(ExitCode.FINDINGS if result.problems and not exit_zero else ExitCode.OK))


def hash_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE|-",
            help="A recording file, or - for a recording or bare request JSON on stdin.",
            show_default=False,
        ),
    ] = "-",
    test_id: Annotated[
        str | None,
        typer.Option(
            "--test-id",
            metavar="ID",
            help="The test id to hash with (default: the file's).",
            show_default=False,
        ),
    ] = None,
    no_test_id: Annotated[
        bool,
        typer.Option("--no-test-id", help="Hash without a test id, for input that has none."),
    ] = False,
    scheme: Scheme = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", metavar="FILE", help="Also print the canonical JSON that was hashed."
        ),
    ] = False,
    root: Root = None,
) -> None:
    """Print the request hash of a recording or of a bare request."""
    from recctl import rehash as core
    from recctl import store
    from recctl.hashing import get_scheme
    from recctl.output import json_line

    if test_id is not None and no_test_id:
        raise UsageError("give --test-id or --no-test-id, not both")
    if source == "-" and sys.stdin.isatty():
        raise UsageError(
            "no input: name a recording, or pipe a request in (recctl hash - < request.json)"
        )
    if source != "-":
        from recctl.discovery import refuse_other_files

        refuse_other_files([source], Path.cwd(), "hash")
    settings = project([] if source == "-" else [source], root).config
    target = get_scheme(scheme or settings.hash_scheme)
    try:
        raw = store.read_stream(sys.stdin.buffer, settings.max_file_size) if source == "-" else None
    except store.LoadError as error:
        raise UsageError(f"standard input: {error.message}") from None
    result = core.hash_request(
        source, raw, target, test_id, settings.max_file_size, no_test_id=no_test_id
    )
    if explain:
        sys.stdout.write(json_line(result.canonical) + "\n")
    typer.echo(result.hash)


def register(app: typer.Typer) -> None:
    app.command("rehash")(rehash)
    app.command("hash")(hash_command)

"""``recctl why``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import ChangeFormat, Root, Scheme, complete_hashes, project
from recctl.errors import ExitCode


def why(
    hash_hex: Annotated[
        str,
        typer.Argument(
            metavar="HASH",
            autocompletion=complete_hashes,
            help="The request hash replay could not find (8 to 64 hex digits).",
            show_default=False,
        ),
    ],
    test_id: Annotated[
        str | None,
        typer.Option(
            "--test-id",
            metavar="ID",
            help="The test that missed it (default: the --request recording's test_id).",
            show_default=False,
        ),
    ] = None,
    request: Annotated[
        str | None,
        typer.Option(
            "--request",
            metavar="FILE|-",
            help="The live request: a bare request JSON or a recording, a file or - for stdin.",
            show_default=False,
        ),
    ] = None,
    scheme: Scheme = None,
    output: Annotated[
        ChangeFormat,
        typer.Option("--format", "-f", help="text for people, json for one JSON document."),
    ] = ChangeFormat.text,
    root: Root = None,
) -> None:
    """Explain why replay missed a request hash.

    For "Recording not found for request hash: HASH": says where a file of that hash is
    (and where replay looks instead), lists the test's recordings, newest hash schemes
    first, and, given the live request, hashes it under every scheme and shows what
    changed against the nearest recording, as the hash sees it.

    Exits 0 when a file of the hash is where replay looks, else 1.
    """
    from recctl import store
    from recctl.errors import UsageError
    from recctl.hashing import get_scheme
    from recctl.reporters.why import REPORTERS
    from recctl.why import why as explain

    # The live request is often saved outside the checkout: the project is where you stand.
    found = project([], root)
    settings = found.config
    given = None
    if request == "-":
        if sys.stdin.isatty():
            raise UsageError("--request - reads the request from standard input, not a terminal")
        try:
            given = ("<stdin>", store.read_stream(sys.stdin.buffer, settings.max_file_size))
        except store.LoadError as error:
            raise UsageError(f"--request -: {error.message}") from None
    elif request is not None:
        try:
            given = (request, store.read_bytes(Path(request), settings.max_file_size))
        except store.LoadError as error:
            raise UsageError(f"{request}: {error.message}") from None
    target = get_scheme(scheme or settings.hash_scheme)
    report = explain(hash_hex, found, target, test_id, given, settings.max_file_size)
    REPORTERS[output.value](report, sys.stdout)
    raise typer.Exit(int(ExitCode.OK if report.found else ExitCode.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("why")(why)

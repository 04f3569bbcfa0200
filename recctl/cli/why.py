"""``recctl why``."""

import os
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
            metavar="HASH|CASSETTE",
            autocompletion=complete_hashes,
            help=(
                "The request hash replay could not find (8 to 64 hex digits), or the VCR.py "
                "cassette that missed a request (with --request)."
            ),
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
            help=(
                "The live request: a bare request JSON or a recording, a file or - for stdin; "
                "for a cassette {method, uri, headers?, body?} (a list: several in order) or "
                "VCR.py's CannotOverwriteExistingCassetteException message."
            ),
            show_default=False,
        ),
    ] = None,
    scheme: Scheme = None,
    match_on: Annotated[
        str | None,
        typer.Option(
            "--match-on",
            metavar="NAMES",
            help="For a cassette: the matchers, comma-separated (default: the test's "
            "vcr_config, else VCR.py's method,scheme,host,port,path,query).",
            show_default=False,
        ),
    ] = None,
    repeats: Annotated[
        bool | None,
        typer.Option(
            "--allow-playback-repeats/--no-playback-repeats",
            help="For a cassette: whether an interaction may play more than once "
            "(default: the test's vcr_config, else no).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        ChangeFormat,
        typer.Option("--format", "-f", help="text for people, json for one JSON document."),
    ] = ChangeFormat.text,
    root: Root = None,
) -> None:
    """Explain why replay missed a request hash, or a cassette a request.

    For "Recording not found for request hash: HASH": says where a file of that hash is
    (and where replay looks instead), lists the test's recordings, newest hash schemes
    first, and, given the live request, hashes it under every scheme and shows what
    changed against the nearest recording, as the hash sees it.

    For a VCR.py cassette and --request: replays the requests as VCR.py matches them and
    says, per request, which interaction plays it, or which matchers each interaction
    passes and fails, the nearest one, and a match already played.

    Exits 0 when a file of the hash is where replay looks (every request would play), else 1.
    """
    from recctl import store
    from recctl.errors import UsageError
    from recctl.hashing import get_scheme
    from recctl.reporters.why import REPORTERS
    from recctl.why import why as explain

    cassette = _cassette(hash_hex)
    # The live request is often saved outside the checkout: the project is where you stand
    # (a cassette's is its own).
    found = project([hash_hex] if cassette else [], root)
    settings = found.config
    if not cassette and (match_on is not None or repeats is not None):
        raise UsageError("--match-on and --allow-playback-repeats go with a cassette")
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
    if cassette:
        from recctl.reporters.why import CASSETTE_REPORTERS
        from recctl.why_cassette import live_requests, why_cassette

        if given is None:
            raise UsageError("why CASSETTE needs --request FILE|- (the request replay missed)")
        names = [name.strip() for name in (match_on or "").split(",") if name.strip()]
        requests = live_requests(given[1], given[0])
        try:
            missed = why_cassette(hash_hex, requests, found, names, repeats, settings.max_file_size)
        except store.LoadError as error:
            raise UsageError(f"{hash_hex}: {error.message}") from None
        CASSETTE_REPORTERS[output.value](missed, sys.stdout)
        raise typer.Exit(int(ExitCode.OK if missed.plays else ExitCode.FINDINGS))
    target = get_scheme(scheme or settings.hash_scheme)
    report = explain(hash_hex, found, target, test_id, given, settings.max_file_size)
    REPORTERS[output.value](report, sys.stdout)
    raise typer.Exit(int(ExitCode.OK if report.found else ExitCode.FINDINGS))


def _cassette(argument: str) -> bool:
    """Whether ``why``'s argument names a file of a recorder that names files by their test
    (a VCR.py cassette), not a hash."""
    from recctl.recorders import named

    if not os.path.isfile(argument):
        return False
    recorder = named(argument)
    return recorder is not None and not recorder.hash_named


def register(app: typer.Typer) -> None:
    app.command("why")(why)

"""``recctl redact``."""

import sys

import typer

from recctl.cli._options import (
    ChangeFormat,
    ChangeFormatOption,
    Jobs,
    Paths,
    Root,
    Write,
    project,
    stop_if_interrupted,
    writing,
)
from recctl.errors import ExitCode


def redact(
    paths: Paths = None,
    write: Write = False,
    output: ChangeFormatOption = ChangeFormat.text,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """Redact secrets in headers, urls and responses.

    Each becomes <redacted:KIND>.

    A secret inside the request body is part of the request hash: redacting it would break
    replay, so it is reported as "rotate the key and re-record" and left alone.
    """
    from pathlib import Path

    from recctl.discovery import find_fixture_names
    from recctl.redact import redact_paths
    from recctl.reporters.changes import REDACT_REPORTERS

    found = project(paths, root)
    settings = found.config
    files = find_fixture_names(paths or [], found, Path.cwd(), "redact")
    with writing(files, write) as stop:
        actions = redact_paths(
            files,
            found.root,
            settings.max_file_size,
            settings.secret_allowlist,
            settings.secret_salt,
            write,
            stop,
            jobs,
        )
    REDACT_REPORTERS[output.value](actions, sys.stdout)
    stop_if_interrupted(stop)
    remaining = any(action.action != "redacted" for action in actions)
    raise typer.Exit(int(ExitCode.FINDINGS if remaining else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("redact")(redact)

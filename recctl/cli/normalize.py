"""``recctl normalize``."""

import sys
from collections.abc import Iterator

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


def normalize(
    paths: Paths = None,
    write: Write = False,
    output: ChangeFormatOption = ChangeFormat.text,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """Normalize response ids and timestamps.

    The recorder's normalization, applied to existing files.

    Byte-exact and idempotent: a file already normalized is never rewritten.
    """
    from pathlib import Path

    from recctl.discovery import find_fixture_names
    from recctl.normalize import Normalization, normalize_paths
    from recctl.reporters.changes import NORMALIZE_REPORTERS

    found = project(paths, root)
    files = find_fixture_names(paths or [], found, Path.cwd(), "normalize")
    pending: list[Normalization] = []

    def noted(results: "Iterator[Normalization]") -> "Iterator[Normalization]":
        for result in results:
            if result.action in ("would normalize", "failed"):
                pending.append(result)
            yield result

    # Results stream to the reporter as each file is done; only what is pending is kept.
    with writing(files, write) as stop:
        results = normalize_paths(
            files,
            found.root,
            found.config.max_file_size,
            write,
            stop,
            found.config.normalize_headers,
            jobs,
        )
        NORMALIZE_REPORTERS[output.value](noted(results), sys.stdout)
    stop_if_interrupted(stop)
    raise typer.Exit(int(ExitCode.FINDINGS if pending else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("normalize")(normalize)

"""``recctl check``."""

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recctl.cli._options import (
    Jobs,
    Paths,
    Root,
    Schema,
    Scheme,
    projects,
    stop_if_interrupted,
    writing,
)
from recctl.errors import ExitCode
from recctl.reporters import default_format

if TYPE_CHECKING:
    from recctl.findings import CheckReport
    from recctl.hashing import HashScheme
    from recctl.interrupt import Interruption
    from recctl.project import Project


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


CheckNames = Annotated[
    list[str] | None,
    typer.Option(
        help="Checks, comma-separated or repeated: schema, hash, normalization, secret.",
        show_default=False,
    ),
]


def check(
    paths: Paths = None,
    select: CheckNames = None,
    ignore: CheckNames = None,
    fix: Annotated[
        bool,
        typer.Option("--fix", help="Apply the safe fixes first: normalize, rename outdated files."),
    ] = False,
    output: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: github under GitHub Actions, else text).",
            show_default=False,
        ),
    ] = None,
    scheme: Scheme = None,
    schema: Schema = None,
    jobs: Jobs = None,
    root: Root = None,
) -> None:
    """Run every per-file check in one pass.

    Schema, hash, normalization and secrets, parsing each file once.

    Exits 1 on any finding. This is what the pre-commit hooks run.
    """
    from recctl.findings import CheckReport
    from recctl.reporters.findings import REPORTERS

    report = CheckReport()
    # Every file is judged on its own: files of several projects (a monorepo's hook run) are
    # checked once per project, each with its own settings.
    for found, named in projects(paths, root):
        report.merge(_check_project(found, named, select, ignore, fix, scheme, schema, jobs))
    report.clean_word = "clean"
    REPORTERS[output.value if output else default_format()](report, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings else ExitCode.OK))


def _check_project(
    found: "Project",
    named: list[str],
    select: list[str] | None,
    ignore: list[str] | None,
    fix: bool,
    scheme: str | None,
    schema: Path | None,
    jobs: int | None,
) -> "CheckReport":
    from recctl import check as core
    from recctl.discovery import find_recording_names
    from recctl.hashing import get_scheme
    from recctl.schema import SchemaValidator

    settings = found.config
    checks = core.selected_checks(select or settings.select, ignore or settings.ignore)
    target = get_scheme(scheme or settings.hash_scheme)
    files: list[str] | list[Path] = find_recording_names(named, found, Path.cwd())
    validator = SchemaValidator.from_path(schema or settings.schema) if "schema" in checks else None
    if fix:
        as_paths = [Path(name) for name in files]
        with writing(as_paths) as stop:
            files = _fix(as_paths, found, target, jobs, stop)
        stop_if_interrupted(stop)
    check_settings = core.CheckSettings(
        checks,
        target.name,
        settings.secret_allowlist,
        settings.max_file_size,
        validator,
        settings.secret_salt,
    )
    return core.check_paths(files, check_settings, jobs)


def _fix(
    files: list[Path],
    found: "Project",
    target: "HashScheme",
    jobs: int | None,
    stop: "Interruption",
) -> list[Path]:
    """Normalize, then rename outdated files; say what was done on stderr."""
    from recctl import rehash
    from recctl.check import existing
    from recctl.normalize import normalize_paths
    from recctl.reporters.changes import render_fixes

    settings = found.config
    normalized = normalize_paths(files, found.root, settings.max_file_size, True, stop)
    result = rehash.rehash(
        files, target, found.root, settings.max_file_size, jobs, True, False, stop
    )
    render_fixes(normalized, result.renames, sys.stderr)
    moved = {}
    for rename in result.renames:
        if rename.action in ("renamed", "completed") and rename.verdict.expected:
            old = Path(rename.verdict.path)
            moved[old] = old.with_name(rename.verdict.expected)
    return sorted(existing(moved.get(path, path) for path in files))


def register(app: typer.Typer) -> None:
    app.command("check")(check)

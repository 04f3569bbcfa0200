"""``recctl check``, ``recctl normalize`` and ``recctl redact``."""

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from recctl.cli._options import (
    Jobs,
    Paths,
    Schema,
    Scheme,
    config,
    stop_if_interrupted,
    writing,
)
from recctl.errors import ExitCode
from recctl.reporters import default_format, plural

if TYPE_CHECKING:
    from recctl.config import Config
    from recctl.hashing import HashScheme
    from recctl.interrupt import Interruption


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class ChangeFormat(str, enum.Enum):
    text = "text"
    json = "json"


CheckNames = Annotated[
    list[str] | None,
    typer.Option(
        help="Checks, comma-separated or repeated: schema, hash, normalization, secret.",
        show_default=False,
    ),
]
Write = Annotated[bool, typer.Option("--write", help="Change the files (default: a dry run).")]
ChangeFormatOption = Annotated[
    ChangeFormat, typer.Option("--format", "-f", help="text for people, json for JSON lines.")
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
) -> None:
    """Run every per-file check in one pass.

    Schema, hash, normalization and secrets, parsing each file once.

    Exits 1 on any finding. This is what the pre-commit hooks run.
    """
    from recctl import check as core
    from recctl.discovery import find_recording_names
    from recctl.hashing import get_scheme
    from recctl.reporters import REPORTERS
    from recctl.schema import SchemaValidator

    settings = config()
    cwd = Path.cwd()
    checks = core.selected_checks(select or settings.select, ignore or settings.ignore)
    target = get_scheme(scheme or settings.hash_scheme)
    files: list[str] | list[Path] = find_recording_names(paths or [], settings, cwd)
    validator = SchemaValidator.from_path(schema or settings.schema) if "schema" in checks else None
    if fix:
        as_paths = [Path(name) for name in files]
        with writing(as_paths) as stop:
            files = _fix(as_paths, settings, target, cwd, jobs, stop)
        stop_if_interrupted(stop)
    check_settings = core.CheckSettings(
        checks,
        target.name,
        settings.secret_allowlist,
        settings.max_file_size,
        validator,
    )
    report = core.check_paths(files, check_settings, cwd, jobs)
    report.clean_word = "clean"
    REPORTERS[output.value if output else default_format()](report, sys.stdout)
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings else ExitCode.OK))


def _fix(
    files: list[Path],
    settings: "Config",
    target: "HashScheme",
    cwd: Path,
    jobs: int | None,
    stop: "Interruption",
) -> list[Path]:
    """Normalize, then rename outdated files; say what was done on stderr."""
    from recctl import check as core
    from recctl import rehash
    from recctl.discovery import display_path

    for done in core.normalize_paths(files, settings.root, cwd, settings.max_file_size, True, stop):
        if done.action in ("normalized", "failed"):
            typer.echo(f"fix: {done.action} {done.path} {done.detail}".rstrip(), err=True)
    result = rehash.rehash(
        files, target, settings.root, cwd, settings.max_file_size, jobs, True, False, stop
    )
    by_display = {display_path(path, cwd): path for path in files}
    moved = {}
    for rename in result.renames:
        if rename.action in ("renamed", "completed", "failed", "conflict", "duplicate"):
            typer.echo(f"fix: {rename.action} {rename.verdict.path} -> {rename.new_path}", err=True)
        if rename.action in ("renamed", "completed") and rename.verdict.expected:
            old = by_display[rename.verdict.path]
            moved[old] = old.with_name(rename.verdict.expected)
    return sorted(
        core.existing(moved.get(path, path) for path in files),
        key=lambda path: display_path(path, cwd),
    )


def normalize(
    paths: Paths = None, write: Write = False, output: ChangeFormatOption = ChangeFormat.text
) -> None:
    """Normalize response ids and timestamps.

    The recorder's normalization, applied to existing files.

    Byte-exact and idempotent: a file already normalized is never rewritten.
    """
    from recctl import check as core
    from recctl.discovery import find_recordings
    from recctl.show_reporters import write_json_lines

    settings = config()
    cwd = Path.cwd()
    files = find_recordings(paths or [], settings, cwd)
    with writing(files, write) as stop:
        results = core.normalize_paths(
            files, settings.root, cwd, settings.max_file_size, write, stop
        )
    if output is ChangeFormat.json:
        write_json_lines((result.record() for result in results), sys.stdout)
    else:
        for result in results:
            if result.action != "unchanged":
                fields = f" ({', '.join(result.fields)})" if result.fields else ""
                typer.echo(f"{result.action}: {result.path}{fields} {result.detail}".rstrip())
        counts: dict[str, int] = {}
        for result in results:
            counts[result.action] = counts.get(result.action, 0) + 1
        typer.echo(", ".join(f"{count} {action}" for action, count in sorted(counts.items())))
    stop_if_interrupted(stop)
    pending = any(result.action in ("would normalize", "failed") for result in results)
    raise typer.Exit(int(ExitCode.FINDINGS if pending else ExitCode.OK))


def redact(
    paths: Paths = None, write: Write = False, output: ChangeFormatOption = ChangeFormat.text
) -> None:
    """Redact secrets in headers, urls and responses.

    Each becomes <redacted:KIND>.

    A secret inside the request body is part of the request hash: redacting it would break
    replay, so it is reported as "rotate the key and re-record" and left alone.
    """
    from recctl import check as core
    from recctl.discovery import find_recordings
    from recctl.show_reporters import write_json_lines

    settings = config()
    cwd = Path.cwd()
    files = find_recordings(paths or [], settings, cwd)
    with writing(files, write) as stop:
        actions = core.redact_paths(
            files,
            settings.root,
            cwd,
            settings.max_file_size,
            settings.secret_allowlist,
            write,
            stop,
        )
    if output is ChangeFormat.json:
        write_json_lines((action.record() for action in actions), sys.stdout)
    else:
        for action in actions:
            secret = action.secret
            advice = ": rotate the key and re-record" if action.action == "re-record" else ""
            where = f"{action.path}:{secret.line}" if secret.line else action.path
            typer.echo(
                f"{action.action}: {where} {secret.kind} in the {secret.where} "
                f"({secret.masked}, fingerprint {secret.fingerprint}){advice}"
            )
        typer.echo(f"{plural(len(actions), 'secret')} found")
    stop_if_interrupted(stop)
    remaining = any(action.action != "redacted" for action in actions)
    raise typer.Exit(int(ExitCode.FINDINGS if remaining else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("normalize")(normalize)
    app.command("redact")(redact)

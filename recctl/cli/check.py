"""``recctl check``."""

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from recctl.cli._options import (
    ExitZero,
    IgnoreMissing,
    Jobs,
    NoCache,
    Paths,
    Quiet,
    Root,
    Schema,
    Scheme,
    complete_checks,
    existing,
    projects,
    result_cache,
    step_summary,
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
    markdown = "markdown"


CheckNames = Annotated[
    list[str] | None,
    typer.Option(
        metavar="CHECKS",
        autocompletion=complete_checks,
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
        typer.Option(
            "--fix",
            help="Apply the safe fixes first, as recctl fix --write: normalize, rename "
            "outdated files, redact secrets outside the hashed request.",
        ),
    ] = False,
    output: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: github under GitHub Actions, else text); markdown "
            "for a pull-request comment.",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="The baseline file (default: baseline in [tool.recctl], else "
            ".recctl-baseline.json at the root, when it exists).",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    write_baseline: Annotated[
        bool,
        typer.Option(
            "--write-baseline",
            help="Record today's findings in the baseline instead of reporting them.",
        ),
    ] = False,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Report every finding, baselined or not.")
    ] = False,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="Check only the recordings git reports as changed, added or untracked since "
            "--base (of the paths given).",
        ),
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="REV",
            help="With --changed: the revision to compare with (default: the merge base of "
            "HEAD and the default branch).",
            show_default=False,
        ),
    ] = None,
    no_cache: NoCache = False,
    scheme: Scheme = None,
    schema: Schema = None,
    jobs: Jobs = None,
    ignore_missing: IgnoreMissing = False,
    quiet: Quiet = False,
    exit_zero: ExitZero = False,
    root: Root = None,
) -> None:
    """Run every per-file check in one pass.

    Schema, hash, normalization and secrets, parsing each file once.

    Exits 1 on any finding not in the baseline. This is what the pre-commit hooks run.
    """
    from recctl.baseline import record_baseline, without_baselined
    from recctl.errors import UsageError
    from recctl.findings import CheckReport
    from recctl.reporters.findings import REPORTERS, markdown_report, render_baseline_written

    if no_baseline and (write_baseline or baseline is not None):
        raise UsageError("--no-baseline cannot be combined with --baseline or --write-baseline")
    if base is not None and not changed:
        raise UsageError("--base goes with --changed")
    report = CheckReport()
    found_projects = projects(existing(paths, ignore_missing), root)
    if baseline is not None and len(found_projects) > 1:
        raise UsageError("--baseline names one file: check one project at a time")
    # Every file is judged on its own: files of several projects (a monorepo's hook run) are
    # checked once per project, each with its own settings and baseline.
    for found, named in found_projects:
        options = _Options(select, ignore, fix, scheme, schema, jobs, changed, base, no_cache)
        checked, files, checks_for = _check_project(found, named, options)
        if no_baseline:
            report.merge(checked)
        elif write_baseline:
            written = record_baseline(checked, found, files, baseline)
            render_baseline_written(written, sys.stdout)
        else:
            report.merge(without_baselined(checked, found, files, baseline, checks_for))
    if write_baseline:
        raise typer.Exit(int(ExitCode.OK))
    report.clean_word = "clean"
    report.quiet = quiet
    REPORTERS[output.value if output else default_format()](report, sys.stdout)
    step_summary(lambda: markdown_report(report))
    raise typer.Exit(int(ExitCode.FINDINGS if report.findings and not exit_zero else ExitCode.OK))


class _Options(NamedTuple):
    select: list[str] | None
    ignore: list[str] | None
    fix: bool
    scheme: str | None
    schema: Path | None
    jobs: int | None
    changed: bool
    base: str | None
    no_cache: bool


def _check_project(
    found: "Project", named: list[str], options: _Options
) -> "tuple[CheckReport, list[str] | list[Path], Callable[[Path], frozenset[str]]]":
    """The project's report, the files it checked, and which checks ran on a file."""
    from recctl import check as core
    from recctl.hashing import get_scheme

    settings = found.config
    checks = core.selected_checks(
        options.select or settings.select, options.ignore or settings.ignore
    )
    target = get_scheme(options.scheme or settings.hash_scheme)
    files: list[str] | list[Path]
    if options.changed:
        from recctl.changed import changed_recordings

        files = changed_recordings(found, named, options.base, Path.cwd())
    else:
        from recctl.discovery import find_fixture_names

        files = find_fixture_names(named, found, Path.cwd(), "check")
    if options.fix:
        with writing(files) as stop:
            files = _fix(files, found, target, options.jobs, stop)
        stop_if_interrupted(stop)
    check_settings = core.CheckSettings(
        checks,
        target.name,
        settings.secret_allowlist,
        settings.max_file_size,
        options.schema or settings.schema,
        settings.secret_salt,
        str(found.root),
        settings.per_path_ignores,
    )
    cache = result_cache(found, "check", check_settings.cache_key(), options.no_cache)
    report = core.check_paths(files, check_settings, options.jobs, cache)
    return report, files, check_settings.checks_for


def _fix(
    files: "list[str] | list[Path]",
    found: "Project",
    target: "HashScheme",
    jobs: int | None,
    stop: "Interruption",
) -> list[str]:
    """The safe fixes, said on stderr; the files under their names after them."""
    from recctl.fix import fix_paths
    from recctl.reporters.changes import render_fixes

    report = fix_paths(files, found, target, jobs, True, stop)
    render_fixes(report, sys.stderr)
    return report.files


def register(app: typer.Typer) -> None:
    app.command("check")(check)

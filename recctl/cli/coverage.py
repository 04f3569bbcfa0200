"""``recctl coverage``."""

import sys

import typer

from recctl.cli._options import (
    AllowEmpty,
    ChangeFormat,
    ChangeFormatOption,
    Root,
    Used,
    project,
    usage_logs,
)
from recctl.errors import ExitCode, UsageError


def coverage(
    used: Used = None,
    allow_empty: AllowEmpty = None,
    output: ChangeFormatOption = ChangeFormat.text,
    root: Root = None,
) -> None:
    """Tests that opened no recording, and failing tests' recordings.

    From the usage logs of replay runs: tests that ran and opened no recording (they
    went live, or need recording), and the recordings opened by tests that failed. Exits
    1 when there is either.
    """
    from recctl.reporters.usage import COVERAGE_REPORTERS
    from recctl.usage import coverage as core

    if not used:
        raise UsageError("coverage needs --used LOG (pytest --recctl-used=LOG writes one)")
    found = project([], root)
    report = core(usage_logs(used, found, allow_empty), found)
    COVERAGE_REPORTERS[output.value](report, sys.stdout)
    problems = report.without_recording or report.failed_opens
    raise typer.Exit(int(ExitCode.FINDINGS if problems else ExitCode.OK))


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage)

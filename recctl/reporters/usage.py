"""What replay runs used: ``ls --used`` (opens per recording) and ``coverage``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from recctl.output import table, terminal_width, visible
from recctl.reporters import Display, Lines, json_text, plural

if TYPE_CHECKING:
    from recctl.usage import Coverage, FileUse


def render_used_text(uses: Sequence[FileUse], out: TextIO) -> None:
    """A table on a terminal (least used first); in a pipe, tab-separated lines: opens,
    tests, path, then each test that opened it."""
    display = Display()
    ordered = sorted(uses, key=lambda use: (use.opens, use.path))
    lines = Lines(out)
    if not out.isatty():
        lines.write_row(["opens", "tests", "path", "opened by"])
        for use in ordered:
            lines.write_row([use.opens, len(use.tests), display(use.path), *use.tests])
        return
    rows = [["opens", "tests", "path", "opened by"]]
    for use in ordered:
        first = use.tests[0] if use.tests else "-"
        more = f" (+{len(use.tests) - 1})" if len(use.tests) > 1 else ""
        rows.append(
            [str(use.opens), str(len(use.tests)), visible(display(use.path)), visible(first) + more]
        )
    laid_out = table(rows, terminal_width(out), shrink=(3, 2), right=frozenset({0, 1}))
    for number, line in enumerate(laid_out):
        lines.write(lines.style(line, bold=True) if number == 0 else line)
    unused = sum(use.opens == 0 for use in uses)
    lines.write(lines.style(f"{plural(len(uses), 'recording')}, {unused} never opened", dim=True))


def render_used_json(uses: Sequence[FileUse], out: TextIO) -> None:
    display = Display()
    for use in sorted(uses, key=lambda use: use.path):
        record = {"path": display(use.path), "opens": use.opens, "tests": use.tests}
        out.write(json_text(record) + "\n")


USED_REPORTERS: dict[str, Callable[[Sequence[FileUse], TextIO], None]] = {
    "text": render_used_text,
    "json": render_used_json,
}


def render_coverage_text(report: Coverage, out: TextIO) -> None:
    lines, display = Lines(out), Display()
    style = lines.style
    if report.without_recording:
        lines.write(
            style(
                f"{plural(len(report.without_recording), 'test')} opened no recording", bold=True
            ),
            " (they went live, or need recording):",
        )
        for test, outcome in report.without_recording:
            lines.write(f"  {outcome or '?':<8} ", test)
    if report.skipped:
        lines.write(
            style(f"{plural(len(report.skipped), 'test')} skipped", bold=True),
            " (they did not run: nothing is known of their recordings):",
        )
        for test, outcome in report.skipped:
            lines.write(f"  {outcome:<8} ", test)
    if report.failed_opens:
        lines.write(
            style(
                f"{plural(len(report.failed_opens), 'recording')} opened by failing tests",
                bold=True,
            ),
            " (stale answers, or a request that changed):",
        )
        for path, tests in report.failed_opens:
            lines.write("  ", display(path))
            for test in tests:
                lines.write("      ", test)
    lines.write(
        f"{plural(report.tests, 'test')}: {len(report.without_recording)} opened no "
        f"recording, {len(report.skipped)} skipped, {report.failed_tests} failed"
    )


def render_coverage_json(report: Coverage, out: TextIO) -> None:
    display = Display()
    for test, outcome in report.without_recording:
        out.write(json_text({"kind": "no-recording", "test": test, "outcome": outcome}) + "\n")
    for test, outcome in report.skipped:
        out.write(json_text({"kind": "skipped", "test": test, "outcome": outcome}) + "\n")
    for path, tests in report.failed_opens:
        record = {"kind": "opened-by-failed", "path": display(path), "tests": tests}
        out.write(json_text(record) + "\n")


COVERAGE_REPORTERS: dict[str, Callable[[Coverage, TextIO], None]] = {
    "text": render_coverage_text,
    "json": render_coverage_json,
}

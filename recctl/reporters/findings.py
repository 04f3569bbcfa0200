"""``check`` and ``validate`` findings as text, JSON lines, GitHub annotations or SARIF."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from recctl.findings import CHECKS, CheckReport, Finding, per_check
from recctl.reporters import (
    Display,
    Lines,
    escape_data,
    escape_property,
    json_text,
    plural,
)

if TYPE_CHECKING:
    from recctl.baseline import BaselineWritten


def finding_record(finding: Finding, display: Display) -> dict[str, object]:
    """The JSON-lines form of a finding."""
    return {
        "path": display(finding.path),
        "line": finding.line,
        "pointer": finding.pointer,
        "check": finding.check,
        "message": finding.message,
        "count": finding.count,
    }


def render_json(report: CheckReport, out: TextIO) -> None:
    display = Display()
    for finding in report.findings:
        out.write(json_text(finding_record(finding, display)) + "\n")


def render_github(report: CheckReport, out: TextIO) -> None:
    display = Display()
    for finding in report.findings:
        props = [f"file={escape_property(display(finding.path))}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        props.append(f"title={escape_property('recctl ' + finding.check)}")
        where = f"{finding.pointer}: " if finding.pointer else ""
        out.write(f"::error {','.join(props)}::{escape_data(where + finding.message)}\n")


def location(finding: Finding, display: Display) -> str:
    """``path:line:column`` as far as it is known."""
    parts = [display(finding.path)]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


def render_text(report: CheckReport, out: TextIO) -> None:
    lines = Lines(out)
    style = lines.style
    display = Display()
    findings = report.findings
    for finding in findings:
        place = location(finding, display)
        where = finding.pointer + ":" if finding.pointer else ""
        if not lines.color:
            # The same text as the styled parts' below, made visible in one pass, not seven:
            # a report of 40,000 findings spent most of its time there.
            lines.write(
                f"{place}:{' ' if where else ''}{where} {finding.message} [{finding.check}]"
            )
            continue
        lines.write(
            style(place, bold=True),
            ": " if where else ":",
            style(where, fg="cyan") if where else "",
            " ",
            finding.message,
            " ",
            style("[" + finding.check + "]", dim=True),
        )
    if report.quiet:
        return
    if findings:
        summary = style("✗ " + summary_text(report), fg="red")
    else:
        summary = style("✓ " + summary_text(report), fg="green")
    lines.write(summary)
    if findings:
        lines.write(style(check_summary(findings), dim=True))
    for note in baseline_notes(report):
        lines.write(style(note, dim=True))


def check_summary(findings: list[Finding]) -> str:
    """Findings per check, with how many ``recctl fix --write`` repairs."""
    counts = per_check(findings)
    parts = [
        f"{check} {total}" + (f" ({fixed} fixable)" if fixed else "")
        for check, total, fixed in counts
    ]
    repaired = sum(fixed for _, _, fixed in counts)
    advice = f": recctl fix --write repairs {repaired}" if repaired else ""
    return "by check: " + ", ".join(parts) + advice


def summary_text(report: CheckReport) -> str:
    files = report.counted()
    if report.findings:
        return f"{plural(len(report.findings), 'error')} in {report.failed_files} of {files}"
    return f"{files} {report.clean_word}"


def baseline_notes(report: CheckReport) -> list[str]:
    notes = []
    if report.baselined:
        verb = "is" if report.baselined == 1 else "are"
        notes.append(f"{plural(report.baselined, 'finding')} {verb} in the baseline, not shown")
    gone = report.baseline_gone
    if gone == 1:
        notes.append("1 baseline entry no longer occurs: recctl check --write-baseline drops it")
    elif gone:
        notes.append(
            f"{gone} baseline entries no longer occur: recctl check --write-baseline drops them"
        )
    return notes


def render_baseline_written(written: BaselineWritten, out: TextIO) -> None:
    lines = Lines(out)
    what = "wrote" if written.changed else "unchanged:"
    kept = f" ({written.kept} kept from files not checked)" if written.kept else ""
    lines.write(
        f"{what} ",
        Display()(written.path),
        f": {plural(written.entries, 'finding')} in {plural(written.files, 'recording')}{kept}",
    )


def render_markdown(report: CheckReport, out: TextIO) -> None:
    out.write(markdown_report(report))


def markdown_report(report: CheckReport) -> str:
    """A pull-request comment: the summary, counts by check, then each file's findings."""
    from collections import Counter

    from recctl.reporters.markdown import Markdown, markdown_code, markdown_text

    document = Markdown("recctl check")
    mark = "❌" if report.findings else "✅"
    document.line(f"{mark} **{summary_text(report)}**")
    for note in baseline_notes(report):
        document.line(f"- {note}")
    document.line()
    counts = Counter(finding.check for finding in report.findings)
    files = Counter(
        check for result in report.failed for check in {f.check for f in result.findings}
    )
    if counts:
        rows = [[name, str(counts[name]), str(files[name])] for name in CHECKS if counts[name]]
        document.table(["check", "findings", "files"], rows)
    for result in report.failed:
        parts = [f"- {document.link(result.path)}"]
        for finding in result.findings:
            where = f"line {finding.line}" if finding.line is not None else ""
            pointer = f" {markdown_code(finding.pointer)}" if finding.pointer else ""
            parts.append(
                f"  - **{finding.check}**{(' ' + where) if where else ''}{pointer}: "
                f"{markdown_text(finding.message)}"
            )
        document.item("\n".join(parts))
    return document.render("files with findings")


CHECK_DESCRIPTIONS = {
    "schema": "The recording is valid against recctl's JSON schema.",
    "hash": "The file name is the request's hash under the target scheme.",
    "normalization": "Response ids and timestamps are normalized as the recorder does.",
    "secret": "No API key, token, private key or credential is recorded.",
}


def render_sarif(report: CheckReport, out: TextIO) -> None:
    """SARIF 2.1.0, which GitHub code scanning reads."""
    from recctl import __version__

    rules = [
        {"id": name, "shortDescription": {"text": text}}
        for name, text in CHECK_DESCRIPTIONS.items()
    ]
    results = []
    display = Display()
    for finding in report.findings:
        region = {"startLine": finding.line or 1}
        if finding.column is not None:
            region["startColumn"] = finding.column
        results.append(
            {
                "ruleId": finding.check,
                "level": "error",
                "message": {"text": finding.message},
                "properties": {"count": finding.count},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": display(finding.path)},
                            "region": region,
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "recctl", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    out.write(json_text(document, indent=True) + "\n")


Renderer = Callable[[CheckReport, TextIO], None]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "sarif": render_sarif,
    "markdown": render_markdown,
}

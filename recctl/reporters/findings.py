"""``check`` and ``validate`` findings as text, JSON lines, GitHub annotations or SARIF."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from recctl.findings import CheckReport, Finding
from recctl.reporters import (
    Display,
    Lines,
    escape_data,
    escape_property,
    json_text,
    plural,
)


def finding_record(finding: Finding, display: Display) -> dict[str, object]:
    """The JSON-lines form of a finding."""
    return {
        "path": display(finding.path),
        "line": finding.line,
        "pointer": finding.pointer,
        "check": finding.check,
        "message": finding.message,
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
        where = style(finding.pointer + ":", fg="cyan") if finding.pointer else ""
        lines.write(
            style(location(finding, display), bold=True),
            ": " if where else ":",
            where,
            " ",
            finding.message,
            " ",
            style("[" + finding.check + "]", dim=True),
        )
    files = plural(report.total, "recording")
    if findings:
        errors = plural(len(findings), "error")
        summary = style(f"✗ {errors} in {report.failed_files} of {files}", fg="red")
    else:
        summary = style(f"✓ {files} {report.clean_word}", fg="green")
    lines.write(summary)


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
}

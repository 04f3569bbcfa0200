"""Render a CheckReport as text (rich), JSON lines, or GitHub Actions annotations.

Core code returns results; only reporters write. They are chosen by name from REPORTERS.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TextIO

import orjson

from recctl.findings import CheckReport, Finding

FORMATS = ("text", "json", "github")


def default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def finding_record(finding: Finding) -> dict[str, object]:
    """The JSON-lines form of a finding."""
    return {
        "path": finding.path,
        "line": finding.line,
        "pointer": finding.pointer,
        "check": finding.check,
        "message": finding.message,
    }


def render_json(report: CheckReport, out: TextIO) -> None:
    for finding in report.findings:
        out.write(orjson.dumps(finding_record(finding)).decode() + "\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(report: CheckReport, out: TextIO) -> None:
    for finding in report.findings:
        props = [f"file={_escape_property(finding.path)}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        props.append(f"title={_escape_property('recctl ' + finding.check)}")
        where = f"{finding.pointer}: " if finding.pointer else ""
        out.write(f"::error {','.join(props)}::{_escape_data(where + finding.message)}\n")


def location(finding: Finding) -> str:
    """``path:line:column`` as far as it is known."""
    parts = [finding.path]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


def _color(out: TextIO) -> bool | None:
    # NO_COLOR (no-color.org) wins; otherwise colour only on a terminal.
    return False if os.environ.get("NO_COLOR") else None


def render_text(report: CheckReport, out: TextIO) -> None:
    # Plain styled lines need no rich: skipping its import keeps a pre-commit run quick.
    from typer import echo, style

    color = _color(out)
    for finding in report.findings:
        where = " " + style(finding.pointer + ":", fg="cyan") if finding.pointer else ""
        line = (
            f"{style(location(finding), bold=True)}:{where} {finding.message} "
            f"{style('[' + finding.check + ']', dim=True)}"
        )
        echo(line, file=out, color=color)
    total = len(report.files)
    errors = len(report.findings)
    files = f"recording{'s' if total != 1 else ''}"
    if errors:
        noun = "error" if errors == 1 else "errors"
        summary = style(f"✗ {errors} {noun} in {report.failed_files} of {total} {files}", fg="red")
    else:
        summary = style(f"✓ {total} {files} valid", fg="green")
    echo(summary, file=out, color=color)


Renderer = Callable[[CheckReport, TextIO], None]

REPORTERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}

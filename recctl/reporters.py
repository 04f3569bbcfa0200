"""Render a CheckReport as text (rich), JSON lines, or GitHub Actions annotations.

Core code returns results; only reporters write. They are chosen by name from REPORTERS.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from recctl.findings import CheckReport, Finding


def default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def json_text(value: Any, indent: bool = False) -> str:
    """JSON for output: orjson, or the standard library (ASCII-escaped) for what orjson
    refuses, such as the lone surrogates a broken recording can hold."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0).decode()
    except TypeError:
        return json.dumps(value, indent=2 if indent else None, default=str)


def printable(text: str) -> str:
    """``text`` with lone surrogates (from a broken recording) as U+FFFD: a terminal or a
    pipe cannot encode them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


class PrintableWriter:
    """A text stream that passes every write through ``printable``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(printable(text))

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()

    def fileno(self) -> int:
        return self._out.fileno()


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
        out.write(json_text(finding_record(finding)) + "\n")


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


class _Lines:
    """Writes lines to ``out``, styled when colour applies. Decided once per report, where
    ``typer.echo`` decides, strips and flushes on every line (a tenth of a second for ten
    thousand findings)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        # NO_COLOR (no-color.org) wins; otherwise colour only on a terminal.
        self.color = not os.environ.get("NO_COLOR") and out.isatty()

    def style(self, text: str, **styles: Any) -> str:
        if not self.color:
            return text
        from typer import style

        return style(text, **styles)

    def write(self, line: str) -> None:
        self._out.write(printable(line) + "\n")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_text(report: CheckReport, out: TextIO) -> None:
    lines = _Lines(out)
    style = lines.style
    findings = report.findings
    for finding in findings:
        where = " " + style(finding.pointer + ":", fg="cyan") if finding.pointer else ""
        lines.write(
            f"{style(location(finding), bold=True)}:{where} {finding.message} "
            f"{style('[' + finding.check + ']', dim=True)}"
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
                            "artifactLocation": {"uri": finding.path},
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


# --- rehash ---------------------------------------------------------------------------------

if TYPE_CHECKING:
    from recctl.rehash import RehashResult

REHASH_ADVICE = {
    "outdated": "named by an older scheme",
    "mismatch": "named by no scheme: replay will never find these",
    "unhashable": "no known hash recipe",
    "invalid": "not readable as a recording",
}


def render_rehash_text(result: RehashResult, out: TextIO) -> None:
    lines = _Lines(out)
    style = lines.style
    verdicts = result.verdicts
    counts = Counter(verdict.status for verdict in verdicts)
    lines.write(f"{plural(len(verdicts), 'recording')}, target scheme {result.target}:")
    for status in ("ok", "outdated", "mismatch", "unhashable", "invalid"):
        if counts[status]:
            colour = "green" if status == "ok" else "yellow" if status == "outdated" else "red"
            lines.write(f"  {style(f'{status:<10}', fg=colour)} {counts[status]:>6}")
    renames = {rename.verdict.path: rename for rename in result.renames}
    for status, advice in REHASH_ADVICE.items():
        group = [verdict for verdict in verdicts if verdict.status == status]
        if not group:
            continue
        if status == "outdated":
            fixable = sum(verdict.repair == "rename" for verdict in group)
            advice += f": {fixable} can be renamed, {len(group) - fixable} need a new recording"
        lines.write(f"\n{style(status, bold=True)} ({len(group)}): {advice}")
        for verdict in group:
            rename = renames.get(verdict.path)
            action = f"{rename.action}: " if rename else ""
            target_name = f" -> {verdict.expected}" if verdict.expected else ""
            lines.write(f"  {action}{verdict.path}{target_name}")
            notes = [verdict.detail] if verdict.detail else []
            if rename and rename.detail:
                notes.append(rename.detail)
            if rename and verdict.status == "mismatch":
                notes.append("named after the stored request: the test may no longer send it")
            scheme = f"scheme {verdict.scheme}: " if verdict.scheme else ""
            for note in notes:
                lines.write(style(f"      {scheme}{note}", dim=True))
                scheme = ""
    planned = sum(rename.action == "would rename" for rename in result.renames)
    if planned:
        lines.write(f"\n{plural(planned, 'file')} would be renamed: recctl rehash --write")
    if result.write:
        actions = Counter(rename.action for rename in result.renames)
        summary = ", ".join(f"{count} {action}" for action, count in sorted(actions.items()))
        lines.write(f"\n{summary or 'nothing to rename'}")


def render_rehash_json(result: RehashResult, out: TextIO) -> None:
    renames = {rename.verdict.path: rename for rename in result.renames}
    for verdict in result.verdicts:
        rename = renames.get(verdict.path)
        record = rename.record() if rename else verdict.record()
        out.write(json_text(record) + "\n")


def render_rehash_github(result: RehashResult, out: TextIO) -> None:
    for verdict in result.verdicts:
        if verdict.status == "ok":
            continue
        level = "warning" if verdict.status in ("outdated", "unhashable") else "error"
        title = _escape_property(f"recctl hash: {verdict.status}")
        message = f"{verdict.actual} should be {verdict.expected}: {verdict.detail}"
        out.write(
            f"::{level} file={_escape_property(verdict.path)},title={title}::"
            f"{_escape_data(message)}\n"
        )


REHASH_REPORTERS: dict[str, Callable[[RehashResult, TextIO], None]] = {
    "text": render_rehash_text,
    "json": render_rehash_json,
    "github": render_rehash_github,
}

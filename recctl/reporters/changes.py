"""What ``normalize``, ``redact`` and ``fix`` did, or would do, to each file: text or JSON
lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from recctl.reporters import Display, Lines, json_text, plural

if TYPE_CHECKING:
    from recctl.fix import FixReport
    from recctl.normalize import Normalization
    from recctl.redact import Redaction


def _fix_lines(report: FixReport, prefix: str, out: TextIO) -> None:
    """One line per change (done, planned or failed), named as the user sees the path."""
    lines, display = Lines(out), Display()
    for done in report.normalized:
        if done.action in ("normalized", "would normalize", "failed"):
            fields = f" ({', '.join(done.fields)})" if done.fields else ""
            detail = f": {done.detail}" if done.action == "failed" and done.detail else ""
            lines.write(f"{prefix}{done.action}: ", display(done.path), fields, detail)
    for rename in report.renames:
        if rename.action in ("renamed", "would rename", "completed", "failed"):
            new = display(rename.new_path) if rename.new_path else "?"
            detail = f": {rename.detail}" if rename.action == "failed" else ""
            lines.write(
                f"{prefix}{rename.action}: ", display(rename.verdict.path), " -> ", new, detail
            )
    for redaction in report.redactions:
        secret = redaction.secret
        what = f" {secret.kind} in the {secret.where} ({secret.shown()})" if secret else ""
        line = f":{secret.line}" if secret and secret.line else ""
        detail = f": {redaction.detail}" if redaction.action == "failed" else ""
        lines.write(f"{prefix}{redaction.action}: ", display(redaction.path), line, what, detail)


def render_fixes(report: FixReport, out: TextIO) -> None:
    """What ``check --fix`` did before checking (on standard error)."""
    _fix_lines(report, "fix: ", out)


def render_fix_text(report: FixReport, out: TextIO) -> None:
    from recctl.verdicts import ADVICE

    _fix_lines(report, "", out)
    lines = Lines(out)
    changed = plural(report.changed, "file")
    failed = f", {report.failed} failed" if report.failed else ""
    for word, count in sorted(report.left.items()):
        lines.write(f"{plural(count, 'file')} no fix repairs ({word}): {ADVICE[word]}")
    if not report.write:
        advice = ": recctl fix --write" if report.changed else ""
        lines.write(f"{changed} would be fixed{failed}{advice}")
    elif report.changed:
        renamed = any(rename.action == "renamed" for rename in report.renames)
        stage = (
            "git add -A the recordings (renamed files have new names)"
            if renamed
            else "git add them"
        )
        lines.write(f"{changed} fixed{failed}: review and {stage}")
    else:
        lines.write(f"nothing to fix{failed}")


def render_fix_json(report: FixReport, out: TextIO) -> None:
    display = Display()
    for done in report.normalized:
        if done.action != "unchanged":
            record = {"fix": "normalize", **done.record(), "path": display(done.path)}
            out.write(json_text(record) + "\n")
    from recctl.verdicts import word_of

    for rename in report.renames:
        record = {"fix": "rename", **rename.record(), "path": display(rename.verdict.path)}
        record["verdict"] = word_of(rename.verdict, rename)
        if rename.new_path:
            record["new_path"] = display(rename.new_path)
        out.write(json_text(record) + "\n")
    for redaction in report.redactions:
        record = {"fix": "redact", **redaction.record(), "path": display(redaction.path)}
        out.write(json_text(record) + "\n")


def render_normalize_text(results: Iterable[Normalization], out: TextIO) -> None:
    lines, display = Lines(out), Display()
    counts: Counter[str] = Counter()
    for result in results:
        if result.action != "unchanged":
            fields = f" ({', '.join(result.fields)})" if result.fields else ""
            detail = f" {result.detail}" if result.detail else ""
            lines.write(f"{result.action}: ", display(result.path), fields, detail)
        counts[result.action] += 1
    lines.write(", ".join(f"{count} {action}" for action, count in sorted(counts.items())))


def render_normalize_json(results: Iterable[Normalization], out: TextIO) -> None:
    display = Display()
    for result in results:
        out.write(json_text({**result.record(), "path": display(result.path)}) + "\n")


def render_redact_text(actions: Sequence[Redaction], out: TextIO) -> None:
    lines, display = Lines(out), Display()
    found = 0
    for action in actions:
        secret = action.secret
        if secret is None:
            lines.write(f"{action.action}: ", display(action.path), ": ", action.detail)
            continue
        found += 1
        advice = ": rotate the key and re-record" if action.action == "re-record" else ""
        line = f":{secret.line}" if secret.line else ""
        failure = f": {action.detail}" if action.detail else ""
        count = f", {len(secret.values)} of them here" if secret.others else ""
        lines.write(
            f"{action.action}: ",
            display(action.path),
            line,
            f" {secret.kind} in the {secret.where}{count} ({secret.shown()}){advice}{failure}",
        )
    lines.write(f"{plural(found, 'secret')} found")


def render_redact_json(actions: Sequence[Redaction], out: TextIO) -> None:
    display = Display()
    for action in actions:
        out.write(json_text({**action.record(), "path": display(action.path)}) + "\n")


NORMALIZE_REPORTERS: dict[str, Callable[[Iterable[Normalization], TextIO], None]] = {
    "text": render_normalize_text,
    "json": render_normalize_json,
}
REDACT_REPORTERS: dict[str, Callable[[Sequence[Redaction], TextIO], None]] = {
    "text": render_redact_text,
    "json": render_redact_json,
}
FIX_REPORTERS: dict[str, Callable[[FixReport, TextIO], None]] = {
    "text": render_fix_text,
    "json": render_fix_json,
}

"""What ``normalize`` and ``redact`` did, or would do, to each file: text or JSON lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from recctl.reporters import Display, Lines, json_text, plural

if TYPE_CHECKING:
    from recctl.normalize import Normalization
    from recctl.redact import Redaction
    from recctl.rehash import Rename


def render_fixes(
    normalized: Sequence[Normalization], renames: Sequence[Rename], out: TextIO
) -> None:
    """What ``check --fix`` did before checking, one line a file."""
    lines, display = Lines(out), Display()
    for done in normalized:
        if done.action in ("normalized", "failed"):
            detail = f" {done.detail}" if done.detail else ""
            lines.write(f"fix: {done.action} ", display(done.path), detail)
    for rename in renames:
        if rename.action in ("renamed", "completed", "failed", "conflict", "duplicate"):
            new = display(rename.new_path) if rename.new_path else "?"
            lines.write(f"fix: {rename.action} ", display(rename.verdict.path), " -> ", new)


def render_normalize_text(results: Sequence[Normalization], out: TextIO) -> None:
    lines, display = Lines(out), Display()
    for result in results:
        if result.action != "unchanged":
            fields = f" ({', '.join(result.fields)})" if result.fields else ""
            detail = f" {result.detail}" if result.detail else ""
            lines.write(f"{result.action}: ", display(result.path), fields, detail)
    counts = Counter(result.action for result in results)
    lines.write(", ".join(f"{count} {action}" for action, count in sorted(counts.items())))


def render_normalize_json(results: Sequence[Normalization], out: TextIO) -> None:
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
        lines.write(
            f"{action.action}: ",
            display(action.path),
            line,
            f" {secret.kind} in the {secret.where} ({secret.shown()}){advice}{failure}",
        )
    lines.write(f"{plural(found, 'secret')} found")


def render_redact_json(actions: Sequence[Redaction], out: TextIO) -> None:
    display = Display()
    for action in actions:
        out.write(json_text({**action.record(), "path": display(action.path)}) + "\n")


NORMALIZE_REPORTERS: dict[str, Callable[[Sequence[Normalization], TextIO], None]] = {
    "text": render_normalize_text,
    "json": render_normalize_json,
}
REDACT_REPORTERS: dict[str, Callable[[Sequence[Redaction], TextIO], None]] = {
    "text": render_redact_text,
    "json": render_redact_json,
}

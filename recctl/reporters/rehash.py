"""``rehash`` verdicts and renames as text, JSON lines or GitHub annotations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from recctl.reporters import Display, Lines, escape_data, escape_property, json_text, plural

if TYPE_CHECKING:
    from recctl.rehash import RehashResult, Verdict

REHASH_ADVICE = {
    "outdated": "named by an older scheme",
    "mismatch": "named by no scheme: replay will never find these",
    "unhashable": "no known hash recipe",
    "invalid": "not readable as a recording",
}


def render_rehash_text(result: RehashResult, out: TextIO) -> None:
    lines = Lines(out)
    style = lines.style
    display = Display()
    verdicts = result.verdicts
    counts: Counter[str] = Counter(verdict.status for verdict in verdicts)
    counts["ok"] = result.ok
    lines.write(f"{plural(result.total, 'recording')}, target scheme {result.target}:")
    for status in ("ok", "outdated", "mismatch", "unhashable", "invalid"):
        if counts[status]:
            colour = "green" if status == "ok" else "yellow" if status == "outdated" else "red"
            lines.write("  ", style(f"{status:<10}", fg=colour), f" {counts[status]:>6}")
    renames = {rename.verdict.path: rename for rename in result.renames}
    for status, advice in REHASH_ADVICE.items():
        group = [verdict for verdict in verdicts if verdict.status == status]
        if not group:
            continue
        if status == "outdated":
            fixable = sum(verdict.repair == "rename" for verdict in group)
            advice += f": {fixable} can be renamed, {len(group) - fixable} need a new recording"
        lines.write()
        lines.write(style(status, bold=True), f" ({len(group)}): {advice}")
        for verdict in group:
            rename = renames.get(verdict.path)
            action = f"{rename.action}: " if rename else ""
            target_name = f" -> {verdict.expected}" if verdict.expected else ""
            lines.write(f"  {action}{display(verdict.path)}{target_name}")
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
        lines.write()
        lines.write(f"{plural(planned, 'file')} would be renamed: recctl rehash --write")
    if result.write:
        actions = Counter(rename.action for rename in result.renames)
        summary = ", ".join(f"{count} {action}" for action, count in sorted(actions.items()))
        lines.write()
        lines.write(summary or "nothing to rename")


def ok_line_writer(out: TextIO) -> Callable[[Verdict], None]:
    """For ``-f json``: each ok verdict written as it comes (they are not kept)."""
    display = Display()

    def write(verdict: Verdict) -> None:
        out.write(json_text({**verdict.record(), "path": display(verdict.path)}) + "\n")

    return write


def render_rehash_json(result: RehashResult, out: TextIO) -> None:
    """The files that are not ok, after the ok ones streamed: a line each."""
    display = Display()
    renames = {rename.verdict.path: rename for rename in result.renames}
    for verdict in result.verdicts:
        rename = renames.get(verdict.path)
        record = rename.record() if rename else verdict.record()
        record["path"] = display(record["path"])
        if record.get("new_path"):
            record["new_path"] = display(record["new_path"])
        out.write(json_text(record) + "\n")


def render_rehash_github(result: RehashResult, out: TextIO) -> None:
    display = Display()
    for verdict in result.verdicts:
        if verdict.status == "ok":
            continue
        level = "warning" if verdict.status in ("outdated", "unhashable") else "error"
        title = escape_property(f"recctl hash: {verdict.status}")
        message = f"{verdict.actual} should be {verdict.expected}: {verdict.detail}"
        out.write(
            f"::{level} file={escape_property(display(verdict.path))},title={title}::"
            f"{escape_data(message)}\n"
        )


def render_rehash_markdown(result: RehashResult, out: TextIO) -> None:
    """A pull-request comment: counts by status, then every file that is not ok."""
    from recctl.reporters.markdown import Markdown, markdown_code, markdown_text

    document = Markdown("recctl rehash")
    verdicts = result.verdicts
    counts: Counter[str] = Counter(verdict.status for verdict in verdicts)
    counts["ok"] = result.ok
    problems = len(verdicts)
    mark = "✅" if problems == 0 else "❌"
    document.line(
        f"{mark} **{plural(result.total, 'recording')}, {problems} not ok**, "
        f"target scheme {result.target}"
    )
    document.line()
    statuses = ("ok", "outdated", "mismatch", "unhashable", "invalid")
    document.table(
        ["status", "recordings", "meaning"],
        [
            [status, str(counts[status]), REHASH_ADVICE.get(status, "named by the target scheme")]
            for status in statuses
            if counts[status]
        ],
    )
    renames = {rename.verdict.path: rename for rename in result.renames}
    for status in REHASH_ADVICE:
        for verdict in (verdict for verdict in verdicts if verdict.status == status):
            rename = renames.get(verdict.path)
            action = f" ({rename.action})" if rename else ""
            target = f" → {markdown_code(verdict.expected)}" if verdict.expected else ""
            scheme = f"scheme {verdict.scheme}: " if verdict.scheme else ""
            detail = f"<br>{markdown_text(scheme + verdict.detail)}" if verdict.detail else ""
            document.item(f"- **{status}**{action} {document.link(verdict.path)}{target}{detail}")
    out.write(document.render("files"))


REPORTERS: dict[str, Callable[[RehashResult, TextIO], None]] = {
    "text": render_rehash_text,
    "json": render_rehash_json,
    "github": render_rehash_github,
    "markdown": render_rehash_markdown,
}

"""``rehash`` verdicts and renames as text, JSON lines or GitHub annotations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from recctl.reporters import Display, Lines, escape_data, escape_property, json_text, plural

if TYPE_CHECKING:
    from recctl.rehash import RehashResult
    from recctl.verdicts import Verdict


def render_rehash_text(result: RehashResult, out: TextIO) -> None:
    from recctl.verdicts import ADVICE, MEANING, WORDS

    lines = Lines(out)
    style = lines.style
    display = Display()
    counts = result.counts()
    words = result.words
    lines.write(f"{plural(result.total, 'recording')}, target scheme {result.target}:")
    for word in WORDS:
        if counts[word]:
            colour = "green" if word == "ok" else "yellow" if word == "outdated" else "red"
            lines.write("  ", style(f"{word:<10}", fg=colour), f" {counts[word]:>6}")
    for word in WORDS[1:]:
        group = [verdict for verdict in result.verdicts if words[verdict.path][0] == word]
        if not group:
            continue
        lines.write()
        lines.write(style(word, bold=True), f" ({len(group)}): {MEANING[word]}: {ADVICE[word]}")
        for verdict in group:
            rename = words[verdict.path][1]
            action = f"{rename.action}: " if rename and rename.action != word else ""
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
        record = {**verdict.record(), "verdict": "ok", "path": display(verdict.path)}
        out.write(json_text(record) + "\n")

    return write


def render_rehash_json(result: RehashResult, out: TextIO) -> None:
    """The files that are not ok, after the ok ones streamed: a line each."""
    display = Display()
    words = result.words
    for verdict in result.verdicts:
        word, rename = words[verdict.path]
        record = rename.record() if rename else verdict.record()
        record["verdict"] = word
        record["path"] = display(record["path"])
        if record.get("new_path"):
            record["new_path"] = display(record["new_path"])
        out.write(json_text(record) + "\n")


def render_rehash_github(result: RehashResult, out: TextIO) -> None:
    from recctl.verdicts import naming_message

    display = Display()
    words = result.words
    for verdict in result.verdicts:
        word, rename = words[verdict.path]
        level = "warning" if word in ("outdated", "unhashable") else "error"
        title = escape_property(f"recctl hash: {word}")
        message = naming_message(verdict, word, result.target, rename)
        out.write(
            f"::{level} file={escape_property(display(verdict.path))},title={title}::"
            f"{escape_data(message)}\n"
        )


def render_rehash_markdown(result: RehashResult, out: TextIO) -> None:
    """A pull-request comment: counts by status, then every file that is not ok."""
    from recctl.reporters.markdown import Markdown, markdown_code, markdown_text
    from recctl.verdicts import ADVICE, MEANING, WORDS

    document = Markdown("recctl rehash")
    counts = result.counts()
    words = result.words
    problems = len(result.verdicts)
    mark = "✅" if problems == 0 else "❌"
    document.line(
        f"{mark} **{plural(result.total, 'recording')}, {problems} not ok**, "
        f"target scheme {result.target}"
    )
    document.line()
    document.table(
        ["verdict", "recordings", "meaning", "what changes it"],
        [
            [word, str(counts[word]), MEANING[word], ADVICE[word] or "-"]
            for word in WORDS
            if counts[word]
        ],
    )
    for word in WORDS[1:]:
        for verdict in (v for v in result.verdicts if words[v.path][0] == word):
            rename = words[verdict.path][1]
            action = f" ({rename.action})" if rename and rename.action != word else ""
            target = f" → {markdown_code(verdict.expected)}" if verdict.expected else ""
            scheme = f"scheme {verdict.scheme}: " if verdict.scheme else ""
            detail = f"<br>{markdown_text(scheme + verdict.detail)}" if verdict.detail else ""
            document.item(f"- **{word}**{action} {document.link(verdict.path)}{target}{detail}")
    out.write(document.render("files"))


REPORTERS: dict[str, Callable[[RehashResult, TextIO], None]] = {
    "text": render_rehash_text,
    "json": render_rehash_json,
    "github": render_rehash_github,
    "markdown": render_rehash_markdown,
}

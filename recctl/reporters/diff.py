"""``diff`` results for people: counts per status, then each pair with what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from recctl.reporters import Display, Lines, json_text, plural, write_file_error

if TYPE_CHECKING:
    from recctl.diff import DiffReport, Pair


def render_text(report: DiffReport, stat: bool, out: TextIO) -> None:
    from recctl.diff import STATUSES

    lines = Lines(out)
    pairs = report.pairs
    counts = report.counts()
    same = counts["identical"] + counts["noise-only"]
    differ = report.total - same
    if not report.total:
        lines.write("no recordings differ")
    else:
        # The counts below add up to the first line's total.
        lines.write(
            f"{plural(report.total, 'recording')} compared: {differ} differ, {same} the same "
            "(identical or noise only)"
        )
    for status in STATUSES:
        if counts[status]:
            lines.write(f"  {status:<11} {counts[status]:>6}")
    if stat:
        return
    for pair in pairs:
        if pair.status in ("identical", "noise-only"):
            continue
        record = pair.record()
        lines.write()
        if "path" in record:
            lines.write(f"{pair.status}: ", record["path"])
        else:
            lines.write(f"{pair.status}: ", record["old_path"], " -> ", record["new_path"])
        for change in pair.changes:
            lines.write("  ", describe(change))


def markdown_report(report: DiffReport, stat: bool) -> str:
    """A pull-request comment: the counts, then each changed pair with what changed."""
    from recctl.diff import STATUSES
    from recctl.reporters.markdown import Markdown, markdown_text

    document = Markdown("recctl diff")
    pairs = report.pairs
    counts = report.counts()
    same = counts["identical"] + counts["noise-only"]
    if report.total:
        document.line(
            f"**{plural(report.total, 'recording')} compared: {report.total - same} differ, "
            f"{same} the same** (identical or noise only)"
        )
    else:
        document.line("**no recordings differ**")
    document.line()
    rows = [[status, str(counts[status])] for status in STATUSES if counts[status]]
    if rows:
        document.table(["status", "recordings"], rows)
    if not stat:
        for pair in pairs:
            if not pair.meaningful:
                continue
            if pair.old and pair.new and pair.old.path != pair.new.path:
                where = f"{document.link(pair.old.path)} → {document.link(pair.new.path)}"
            else:
                where = document.link(pair.path)
            changes = [f"  - {markdown_text(describe(change))}" for change in pair.changes[:20]]
            if len(pair.changes) > 20:
                changes.append(f"  - … {len(pair.changes) - 20} more changes")
            document.item("\n".join([f"- **{pair.status}** {where}", *changes]))
    return document.render("changed recordings")


def pair_line_writer(out: TextIO) -> Callable[[Pair], None]:
    """For ``-f json``: each pair judged the same written as it is compared (not kept)."""

    def write(pair: Pair) -> None:
        out.write(json_text(pair.record()) + "\n")

    return write


def render_unreadable(unreadable: Iterable[tuple[str, str]], out: TextIO) -> None:
    display = Display()
    for path, message in unreadable:
        write_file_error(out, display(path), message)


def describe(change: dict[str, Any]) -> str:
    """One change in words; a cassette's changes name their interaction first."""
    if "interaction" in change:
        rest = {key: value for key, value in change.items() if key != "interaction"}
        return f"interaction {change['interaction']}: {describe(rest)}"
    what = change["what"]
    if what == "test_id":
        return f"test id {change['old']!r} -> {change['new']!r}"
    if what == "mapping":
        parts = [f"{key} {change[key]}" for key in ("added", "removed", "changed") if change[key]]
        if not parts:
            parts = [f"{change.get('old')!r} -> {change.get('new')!r}"]
        return "id mapping " + "; ".join(parts)
    if what == "request":
        moves = {
            "moves": " (moves the request hash: replay looks for another file)",
            "stays": " (the request hash stays)",
        }.get(change.get("hash", ""), "")
        return (
            f"request {change['kind']} {change['key']}: {change['old']!r} -> {change['new']!r}"
            f"{moves}"
        )
    if what == "answer":
        diff = " ".join(change["diff"])
        return (
            f"answer +{change['added_words']}/-{change['removed_words']} words "
            f"(similarity {change['similarity']}): {diff}"
        )
    if what == "usage":
        fields = ", ".join(
            f"{key} {value['old']} -> {value['new']}"
            for key, value in change.items()
            if key != "what"
        )
        return f"usage {fields}"
    if what == "tool_calls":
        old = [call["name"] for call in change["old"]]
        new = [call["name"] for call in change["new"]]
        return f"tool calls {old} -> {new}"
    details = ", ".join(f"{k} {v!r}" for k, v in change.items() if k != "what")
    return f"{what} {details}"

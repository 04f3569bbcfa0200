"""``prune`` results: stale recordings with their reasons, as text or JSON lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from recctl.reporters import Display, Lines, human_size, json_text, plural

if TYPE_CHECKING:
    from recctl.prune import PruneReport


def usage_lines(report: PruneReport, display: Display) -> list[str]:
    """What each usage log brought, and the recordings no run could vouch for."""
    lines = [
        f"usage log {display(item.log)}: {plural(item.tests, 'test')}, {item.passed} passed, "
        f"{plural(item.opened, 'recording')} opened"
        for item in report.contributions
    ]
    if report.unjudged:
        reasons = ", ".join(f"{count} {why}" for why, count in report.unjudged.most_common())
        lines.append(
            f"{plural(sum(report.unjudged.values()), 'recording')} not judged (no run that "
            f"passed vouches for them): {reasons}"
        )
    if report.undetermined:
        reasons = ", ".join(f"{count}: {why}" for why, count in report.undetermined.most_common())
        lines.append(
            f"{plural(sum(report.undetermined.values()), 'cassette')} not judged (recctl "
            f"cannot tell their test): {reasons}"
        )
    if report.named_only:
        lines.append(
            f"{plural(report.named_only, 'cassette')} opened without play counts (VCR.py was "
            "not importable where they played): their interactions are not judged"
        )
    return lines


def not_stale(report: PruneReport) -> list[str]:
    """The files that are not stale though not ok, in rehash's words, with what changes them."""
    from recctl.verdicts import ADVICE

    return [
        f"{plural(count, word + ' recording')} {'is' if count == 1 else 'are'} not stale: "
        f"{ADVICE[word]}"
        for word, count in (("outdated", report.outdated), ("conflict", report.conflicts))
        if count
    ]


def withheld_note(report: PruneReport, display: Display) -> str | None:
    withheld = report.withheld
    if withheld is None:
        return None
    return (
        f"orphan and misplaced verdicts withheld: no test sources under {display(withheld.root)} "
        f"for {withheld.missing} of {plural(withheld.with_test_id, 'recording')} with a test id: "
        "is this the project? pass --root"
    )


def render_text(report: PruneReport, out: TextIO, variants: bool) -> None:
    lines, display = Lines(out), Display()
    for stale in report.stale:
        # An interaction of a cassette is named PATH:N, as show addresses it.
        where = "" if stale.interaction is None else f":{stale.interaction}"
        lines.write(f"{stale.reason:<12} ", display(stale.path), where)
        lines.write(" " * 13, stale.detail)
    for path, message in report.unreadable:
        lines.write(f"{'unreadable':<12} ", display(path))
        lines.write(" " * 13, message)
    size = sum(stale.size for stale in report.stale)
    tails = sum(stale.interaction is not None for stale in report.stale)
    summary = f"{plural(len(report.stale) - tails, 'stale recording')}, {human_size(size)}"
    if tails:
        summary += f"; {plural(tails, 'unplayed interaction')} (--interactions removes them)"
    lines.write(summary)
    note = withheld_note(report, display)
    if note:
        lines.write(note)
    for line in not_stale(report):
        lines.write(line)
    for line in usage_lines(report, display):
        lines.write(line)
    if variants:
        for variant in report.variants:
            lines.write(f"variants of {variant.test_id} ({variant.endpoint}):")
            for path in variant.paths:
                lines.write(f"  {display(path)}")


def render_json(report: PruneReport, out: TextIO, variants: bool) -> None:
    display = Display()
    for stale in report.stale:
        out.write(json_text({**stale.record(), "path": display(stale.path)}) + "\n")
    record: dict[str, object]
    for path, message in report.unreadable:
        record = {"path": display(path), "reason": "unreadable", "detail": message}
        out.write(json_text(record) + "\n")
    if report.withheld is not None:
        out.write(json_text({"withheld": withheld_note(report, display)}) + "\n")
    if report.outdated or report.conflicts:
        not_stale = {"outdated": report.outdated, "conflict": report.conflicts}
        out.write(json_text({"not_stale": not_stale}) + "\n")
    for item in report.contributions:
        contribution = {
            "log": display(item.log),
            "tests": item.tests,
            "passed": item.passed,
            "opened": item.opened,
        }
        out.write(json_text({"usage_log": contribution}) + "\n")
    if report.unjudged:
        out.write(json_text({"unjudged": dict(report.unjudged.most_common())}) + "\n")
    if report.undetermined:
        undetermined = dict(report.undetermined.most_common())
        out.write(json_text({"undetermined_cassettes": undetermined}) + "\n")
    if variants:
        for variant in report.variants:
            record = {**variant.record(), "paths": [display(path) for path in variant.paths]}
            out.write(json_text({"variants": record}) + "\n")


def render_deletion(report: PruneReport, out: TextIO) -> None:
    """What ``--delete`` did, on standard error."""
    lines, display = Lines(out), Display()
    files = [stale for stale in report.deleted if stale.interaction is None]
    tails = [stale for stale in report.deleted if stale.interaction is not None]
    removed = sum(stale.size for stale in files)
    summary = f"deleted {plural(len(files), 'file')}, {human_size(removed)}"
    if tails:
        cassettes = len({stale.path for stale in tails})
        summary += (
            f"; removed {plural(len(tails), 'unplayed interaction')} from "
            f"{plural(cassettes, 'cassette')}"
        )
    lines.write(summary)
    for stale, why in report.failed:
        lines.write(f"not deleted: {display(stale.path)}: {why}")


def render_markdown(report: PruneReport, out: TextIO, variants: bool) -> None:
    """A pull-request comment: counts by reason, then each stale file with why."""
    from collections import Counter

    from recctl.reporters.markdown import Markdown, markdown_text

    document = Markdown("recctl prune")
    size = sum(stale.size for stale in report.stale)
    stale = len(report.stale) + len(report.unreadable)
    mark = "✅" if stale == 0 else "❌"
    document.line(f"{mark} **{plural(len(report.stale), 'stale recording')}, {human_size(size)}**")
    note = withheld_note(report, document.display)
    if note:
        document.line(f"- {markdown_text(note)}")
    for line in [*not_stale(report), *usage_lines(report, document.display)]:
        document.line(f"- {markdown_text(line)}")
    document.line()
    counts: Counter[str] = Counter(item.reason for item in report.stale)
    counts.update({"unreadable": len(report.unreadable)} if report.unreadable else {})
    if counts:
        document.table(["reason", "recordings"], [[k, str(v)] for k, v in sorted(counts.items())])
    for item in report.stale:
        where = "" if item.interaction is None else f" (interaction {item.interaction})"
        document.item(
            f"- **{item.reason}** {document.link(item.path)}{where}: {markdown_text(item.detail)}"
        )
    for path, message in report.unreadable:
        document.item(f"- **unreadable** {document.link(path)}: {markdown_text(message)}")
    if variants:
        for variant in report.variants:
            links = ", ".join(document.link(path) for path in variant.paths)
            document.item(
                f"- **variants** of {markdown_text(variant.test_id)} "
                f"({markdown_text(variant.endpoint)}): {links}"
            )
    out.write(document.render("files"))


REPORTERS: dict[str, Callable[[PruneReport, TextIO, bool], None]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}

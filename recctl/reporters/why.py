"""``why``: what explains a replay miss, as text or one JSON document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TextIO

from recctl.jsondiff import shown
from recctl.reporters import Display, Lines, json_text, plural, write_file_error

if TYPE_CHECKING:
    from recctl.why import Change, WhyReport
    from recctl.why_cassette import Attempt as CassetteAttempt
    from recctl.why_cassette import CassetteWhy


def _value(value: Any) -> str:
    return shown(value, 100)


def describe_change(change: Change) -> str:
    if change.kind == "added":
        return f"{change.pointer} added: {_value(change.new)}"
    if change.kind == "removed":
        return f"{change.pointer} removed: {_value(change.old)}"
    return f"{change.pointer} changed: {_value(change.old)} -> {_value(change.new)}"


def render_text(report: WhyReport, out: TextIO) -> None:
    lines = Lines(out)
    style = lines.style
    display = Display()
    colour = "green" if report.found else "red"
    lines.write(style(f"{report.hash}: {report.verdict}", fg=colour, bold=True))
    lines.write("  ", report.conclusion)
    if report.folders:
        lines.write()
        lines.write(
            style("replay looks for ", bold=True),
            report.test_id or "",
            style(" in:", bold=True),
        )
        for folder in report.folders:
            lines.write(f"  {display(folder)}/")
    else:
        lines.write("replay looks in the recordings/ beside the test file (--test-id names it)")
    if report.located:
        lines.write()
        lines.write(style("files named by this hash:", bold=True))
        for located in report.located:
            placed = "  here replay looks" if located.placed else ""
            lines.write("  ", display(located.path), f" [{located.status}]{placed}")
            if located.note:
                lines.write(style(f"      {located.note}", dim=True))
    else:
        lines.write("no file in the project is named by this hash")
    if report.test_id:
        lines.write()
        scope = f" at {report.endpoint}" if report.endpoint and report.endpoint_matched else ""
        if report.endpoint and not report.endpoint_matched:
            scope = f" (none at {report.endpoint}: every endpoint)"
        if report.recordings:
            lines.write(
                style(f"{plural(len(report.recordings), 'recording')} of ", bold=True),
                report.test_id,
                scope,
                style(", newest schemes first:", bold=True),
            )
            for item in report.recordings:
                scheme = f"scheme {item.scheme}" if item.scheme else "no scheme"
                model = f"  {item.model}" if item.model else ""
                lines.write(f"  {scheme:<10} {item.status:<10} ", display(item.path), model)
        else:
            lines.write("no recording of ", report.test_id, scope)
    if report.request_hashes is not None:
        lines.write()
        lines.write(style("the request given, hashed under every scheme:", bold=True))
        # Schemes that agree on this request share a line, newest first.
        grouped: dict[str, list[str]] = {}
        for hashed in report.request_hashes:
            name = hashed.scheme + (" (target)" if hashed.scheme == report.target else "")
            grouped.setdefault(hashed.hash, []).append(name)
        missed = {hashed.hash for hashed in report.request_hashes if hashed.matches}
        for digest, names in grouped.items():
            mark = "  = the missed hash" if digest in missed else ""
            label = "schemes" if len(names) > 1 else "scheme"
            lines.write(f"  {label} {', '.join(names)}: {digest}{mark}")
        matching = report.matching_schemes
        if not matching:
            lines.write("  no scheme gives the missed hash: this is not the request replay missed")
        elif report.target not in matching:
            lines.write(
                f"  the missed hash is scheme {', '.join(matching)}'s: the replaying recorder "
                "hashes with an older recipe than the target"
            )
    nearest = report.nearest
    if nearest is not None:
        lines.write()
        lines.write(
            style("nearest recording: ", bold=True),
            display(nearest.path),
            f" (similarity {nearest.similarity}); what the hash sees change:",
        )
        for change in nearest.changes:
            lines.write("  ", describe_change(change))
        if not nearest.changes:
            lines.write("  nothing: the hash sees the same request")
        if nearest.more:
            lines.write(f"  … {nearest.more} more")
    for path, message in report.unreadable:
        write_file_error(out, display(path), message)


def render_json(report: WhyReport, out: TextIO) -> None:
    display = Display()
    document = asdict(report)
    document["found"] = report.found
    document["matching_schemes"] = (
        report.matching_schemes if report.request_hashes is not None else None
    )
    if report.looks_in:
        document["looks_in"] = display(report.looks_in)
    for item in document["located"] + document["recordings"]:
        item["path"] = display(item["path"])
    if report.nearest is not None:
        document["nearest"]["path"] = display(report.nearest.path)
        for change, original in zip(
            document["nearest"]["changes"], report.nearest.changes, strict=True
        ):
            change["text"] = describe_change(original)
    document["unreadable"] = [{"path": display(p), "message": m} for p, m in report.unreadable]
    out.write(json_text(document) + "\n")


REPORTERS: dict[str, Callable[[WhyReport, TextIO], None]] = {
    "text": render_text,
    "json": render_json,
}


# --- a cassette's replay miss (recctl.why_cassette) ------------------------------------------


def _attempt_text(attempt: CassetteAttempt) -> str:
    failed = "; ".join(f"{name} ({why})" for name, why in attempt.failed)
    passed = ", ".join(attempt.passed) or "none"
    return f"interaction {attempt.interaction}: passes {passed}; fails {failed}"


def render_cassette_text(report: CassetteWhy, out: TextIO) -> None:
    lines = Lines(out)
    style = lines.style
    colour = "green" if report.plays else "red"
    verdict = "replay answers every request" if report.plays else "replay misses"
    lines.write(style(f"{Display()(report.path)}: {verdict}", fg=colour, bold=True))
    repeats = ", playback repeats allowed" if report.repeats else ""
    lines.write(
        f"  {plural(report.interactions, 'interaction')}; match_on: "
        f"{', '.join(report.match_on)} ({report.match_on_from}){repeats}"
    )
    for request in report.verdicts:
        lines.write()
        lines.write(
            style(f"request {request.number}: ", bold=True), request.method, " ", request.uri
        )
        if request.plays is not None:
            lines.write(f"  plays interaction {request.plays}")
            continue
        for interaction, by in request.played:
            who = f"request {by}" if by else "an earlier request of the run"
            lines.write(
                f"  interaction {interaction} matches, but {who} played it already "
                "(VCR.py plays each interaction once unless allow_playback_repeats)"
            )
        if request.nearest is not None:
            lines.write("  no interaction matches; nearest: ", _attempt_text(request.nearest))
        for attempt in request.attempts:
            if attempt is not request.nearest and attempt.failed:
                lines.write("  ", _attempt_text(attempt))


def render_cassette_json(report: CassetteWhy, out: TextIO) -> None:
    out.write(json_text({**report.record(), "path": Display()(report.path)}) + "\n")


CASSETTE_REPORTERS: dict[str, Callable[[CassetteWhy, TextIO], None]] = {
    "text": render_cassette_text,
    "json": render_cassette_json,
}

"""``recctl diff``."""

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from recctl.cli._options import Root, project
from recctl.cli.show import ViewFormat, ViewFormatOption
from recctl.errors import ExitCode


def diff(
    arguments: Annotated[
        list[str] | None,
        typer.Argument(
            help="OLD NEW (files or directories), REV1 REV2, or REV (against the work tree), "
            "then optionally -- PATHS to limit a git diff.",
            show_default=False,
        ),
    ] = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="Compare HEAD with what is about to be committed.")
    ] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Counts per status only.")] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when anything changed beyond recorder noise."),
    ] = False,
    output: ViewFormatOption = ViewFormat.text,
    root: Root = None,
) -> None:
    """Review what changed between two versions.

    Counts per status first, then the changed pairs, most meaningful first. Exits 0 whatever
    the differences, like git diff, unless --exit-code.
    """
    from recctl import diff as core
    from recctl.reporters import Display, write_json_lines

    cwd = Path.cwd()
    named = [arg for arg in (arguments or []) if arg != "--" and os.path.lexists(cwd / arg)]
    settings = project(named[:2], root).config
    noise = settings.diff_noise if settings.diff_noise is not None else core.DEFAULT_NOISE
    report = core.diff(arguments or [], staged, noise, cwd)
    pairs = report.pairs
    if output is ViewFormat.json:
        write_json_lines((pair.record() for pair in pairs), sys.stdout)
    else:
        _render(pairs, stat)
    display = Display(cwd)
    for path, message in report.unreadable:
        typer.echo(f"recctl: {display(path)}: {message}", err=True)
    meaningful = any(pair.meaningful for pair in pairs)
    failed = bool(report.unreadable) or (exit_code and meaningful)
    raise typer.Exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def _render(pairs: list, stat: bool) -> None:  # type: ignore[type-arg]
    from recctl.diff import STATUSES

    counts = Counter(pair.status for pair in pairs)
    typer.echo(f"{len(pairs)} recordings differ:" if pairs else "no recordings differ")
    for status in STATUSES:
        if counts[status]:
            typer.echo(f"  {status:<11} {counts[status]:>6}")
    if stat:
        return
    for pair in pairs:
        if pair.status in ("identical", "noise-only"):
            continue
        record = pair.record()
        where = record.get("path") or f"{record['old_path']} -> {record['new_path']}"
        typer.echo(f"\n{pair.status}: {where}")
        for change in pair.changes:
            typer.echo("  " + _describe(change))


def _describe(change: dict) -> str:  # type: ignore[type-arg]
    what = change["what"]
    if what == "request":
        return f"request {change['kind']} {change['key']}: {change['old']!r} -> {change['new']!r}"
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


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)

"""Markdown for a pull-request comment or a job summary: a summary, then the top items, cut
to fit GitHub's comment limit with a count of what was left out.

Every untrusted string goes through ``output.markdown_text`` or ``output.markdown_code``;
paths link to the file at the commit under GitHub Actions, else relatively.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from recctl.output import Safe, markdown_code, markdown_text
from recctl.reporters import Display

__all__ = ["COMMENT_LIMIT", "Markdown", "append_step_summary", "markdown_code", "markdown_text"]

COMMENT_LIMIT = 65_536
"""GitHub's limit on a pull-request comment, in characters."""


def comment_limit() -> int:
    """``RECCTL_MARKDOWN_LIMIT`` for a smaller budget (a comment that also quotes other
    tools), else GitHub's limit."""
    value = os.environ.get("RECCTL_MARKDOWN_LIMIT", "")
    return int(value) if value.isdigit() and int(value) >= 1_000 else COMMENT_LIMIT


class Markdown:
    """A report: heading and summary lines always kept, then items while they fit."""

    def __init__(self, title: str, display: Display | None = None) -> None:
        self.display = display or Display()
        self.head: list[str] = [f"### {title}", ""]
        self.items: list[str] = []
        self.tail: list[str] = []

    def line(self, text: str = "") -> None:
        self.head.append(text)

    def table(self, header: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
        """A small table of counts, kept whole (its cells are recctl's own words)."""
        cells = list(header)
        self.head.append("| " + " | ".join(cells) + " |")
        self.head.append("|" + " --- |" * len(cells))
        self.head.extend("| " + " | ".join(row) + " |" for row in rows)
        self.head.append("")

    def item(self, text: str) -> None:
        self.items.append(text)

    def note(self, text: str) -> None:
        self.tail.append(text)

    def link(self, path: str | Path) -> Safe:
        """A path as a link to the file: at the commit on GitHub under Actions."""
        shown = self.display(path)
        return Safe(f"[{markdown_code(shown)}]({file_url(path, shown)})")

    def render(self, what: str, limit: int | None = None) -> str:
        """The whole report within ``limit`` characters: items that do not fit are counted
        in a last line."""
        budget = limit or comment_limit()
        head = "\n".join(self.head) + "\n"
        tail = "".join("\n" + line for line in self.tail) + ("\n" if self.tail else "")
        reserve = len(head) + len(tail) + 200
        shown: list[str] = []
        used = reserve
        for item in self.items:
            if used + len(item) + 1 > budget:
                break
            shown.append(item)
            used += len(item) + 1
        left = len(self.items) - len(shown)
        body = "".join(item + "\n" for item in shown)
        if left:
            body += (
                f"\n… and {left} more {what} not shown (a comment holds at most {budget:,} "
                "characters); the command's text output lists them all.\n"
            )
        return head + body + tail


def file_url(path: str | Path, shown: str) -> str:
    """The file on GitHub at the commit being checked when the workflow says where (the
    ``GITHUB_*`` variables), else the path as shown."""
    server = os.environ.get("GITHUB_SERVER_URL")
    repository = os.environ.get("GITHUB_REPOSITORY")
    commit = os.environ.get("GITHUB_SHA")
    workspace = os.environ.get("GITHUB_WORKSPACE")
    absolute = os.path.abspath(path)
    if server and repository and commit and workspace:
        prefix = os.path.abspath(workspace).rstrip(os.sep) + os.sep
        if absolute.startswith(prefix):
            relative = absolute[len(prefix) :].replace(os.sep, "/")
            return f"{server}/{quote(repository)}/blob/{quote(commit)}/{quote(relative)}"
    return quote(shown.replace(os.sep, "/"))


def append_step_summary(text: str) -> str | None:
    """Under GitHub Actions, add the markdown to the job's summary page
    (``$GITHUB_STEP_SUMMARY``); elsewhere, nothing. Returns why it could not, if it could
    not: a summary that cannot be written is worth a warning, not a failed check."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target or os.environ.get("GITHUB_ACTIONS") != "true":
        return None
    try:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(text + "\n")
    except OSError as error:
        return f"cannot append to GITHUB_STEP_SUMMARY {target}: {error.strerror or error}"
    return None

"""Reporters: the only code that writes results. Core code returns dataclasses; a command
picks a reporter by name from its module's registry (``findings.REPORTERS``,
``rehash.REPORTERS``, ...) and hands it the result and the stream.

Results name files by absolute path; reporters show them relative to where the user stands
(``Display``). This module holds what every reporter shares and stays light to import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import orjson

from recctl.output import Lines, Safe, json_line, no_annotation, visible

__all__ = [
    "Display",
    "Lines",
    "PrintableWriter",
    "Safe",
    "default_format",
    "escape_data",
    "escape_property",
    "human_size",
    "json_text",
    "plural",
    "visible",
    "write_json_lines",
]


def default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def json_text(value: Any, indent: bool = False) -> str:
    """JSON for output: orjson, or the standard library (ASCII-escaped) for what orjson
    refuses, such as the lone surrogates a broken recording can hold; what a terminal acts on
    and JSON leaves raw is escaped (``output.json_line``)."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0).decode()
    except TypeError:
        text = json.dumps(value, indent=2 if indent else None, default=str)
    return json_line(text)


class Display:
    """Paths as the user should see them: relative to the current directory, decided once
    per report."""

    def __init__(self, cwd: Path | None = None) -> None:
        from recctl.discovery import display_path

        self.cwd = cwd or Path.cwd()
        self._display_path = display_path
        base = str(self.cwd)
        self._below = base if base.endswith(os.sep) else base + os.sep

    def __call__(self, path: str | Path) -> str:
        # Most paths of a report lie below where the user stands: cut, not worked out
        # (``display_path`` says what the others, and a name that starts with ":", show).
        if type(path) is str and path.startswith(self._below):
            shown = path[len(self._below) :]
            if shown and shown[0] not in (":", os.sep):
                return shown
        return self._display_path(path, self.cwd)


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
        # The last step of rich's output: no rendered line may open a CI annotation.
        return self._out.write(no_annotation(printable(text)))

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()

    def fileno(self) -> int:
        return self._out.fileno()


def escape_data(value: str) -> str:
    """A GitHub annotation's message: its own escapes, then every other control character
    made visible."""
    escaped = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(escaped)


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def write_json_lines(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    for record in records:
        out.write(json_text(record) + "\n")


def human_size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return f"{size} B"


def write_file_error(out: TextIO, shown_path: str, message: str) -> None:
    """One file's problem, on standard error, in the style of every error recctl prints
    (``recctl: error: PATH: why``); the other files go on."""
    Lines(out).write("recctl: error: ", shown_path, ": ", message)

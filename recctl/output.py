"""The one place where text from a recording or the file system becomes output.

Recordings arrive in pull requests from anyone, and recctl prints their test ids, models,
answers and file names on a reviewer's terminal and in CI logs. Nothing of that text may act
on the terminal (an escape sequence can set the title or write the clipboard: OSC 52), open
a GitHub annotation (a line that starts with ``::``), or be taken for rich markup. So:

- ``visible`` makes a one-line field safe: every control character, C0 and C1 alike (ESC,
  BEL, CR, newline, tab, DEL), the Unicode line and paragraph separators and the bidirectional
  overrides become visible escapes (``\\x1b``, ``\\n``, ``\\u202e``); lone surrogates become
  U+FFFD.
- ``block`` does the same for multi-line content (an answer, a message), keeping newline and
  tab, and indents every line, so that no line of it can start an annotation.
- ``Safe`` marks text that went through one of them (or is recctl's own styling): the
  writers below escape whatever is not ``Safe``, so a reporter cannot forget to.
- ``markdown_text`` and ``markdown_code`` put untrusted text in a pull-request comment as
  text: no markup, link, image, HTML, table cell break or @mention can come of it.
- ``json_line`` keeps JSON exact, escaping what a JSON encoder leaves raw (C1 controls and
  the separators and overrides) as ``\\uXXXX``.

Every one of them masks shaped keys too (``‹openai-key …G7h8›``): commands mask the secrets
each file's scan finds before they report, and this catches whatever text reaches output by
another way (a test id quoted in a heading, a request given on the command line), so that no
reporter can print a key by forgetting to mask it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from recctl.secret_rules import MAY_HOLD_KEY

# Characters never written as they are: C0 and DEL, C1, the line and paragraph separators,
# the bidirectional embeddings, overrides and isolates, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_IN_BLOCK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
# What a JSON encoder leaves raw and a terminal may still act on.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
INDENT = "  "


class Safe(str):
    """Text that may be written as it is: escaped by ``visible`` or ``block``, or recctl's
    own (a style's escape codes)."""

    __slots__ = ()


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ANNOTATION = re.compile(r"^(\s*):(?=:)", re.MULTILINE)


def no_annotation(text: str) -> str:
    """``text`` with no line that a CI runner reads as a workflow command (``::error ...``):
    the first colon of such a line is escaped."""
    return _ANNOTATION.sub(lambda match: match.group(1) + "\\x3a", text) if "::" in text else text


_revealing = False


@contextlib.contextmanager
def revealing() -> Iterator[None]:
    """Within it, keys are shown: ``show --reveal``, which a person asked for on a terminal
    (the command refuses it elsewhere). The only way past the masking."""
    global _revealing
    _revealing = True
    try:
        yield
    finally:
        _revealing = False


def no_key(text: str) -> str:
    """``text`` with every shaped key masked; the scanner is loaded only when one of the
    keys' prefixes occurs (most text has none)."""
    if _revealing or MAY_HOLD_KEY.search(text) is None:
        return text
    from recctl.masking import mask_text

    return mask_text(text)


def visible(value: object) -> Safe:
    """One line of output from untrusted text: nothing in it acts on a terminal or a log,
    and no key shows."""
    if isinstance(value, Safe):
        return value
    text = no_key(value if isinstance(value, str) else str(value))
    # Printable ASCII, most output, holds nothing to escape: no substitution pass.
    return Safe(text if text.isascii() and text.isprintable() else _UNSAFE.sub(_escape, text))


def block(value: object, indent: str = INDENT) -> Safe:
    """Multi-line untrusted content: newlines and tabs kept, every line indented."""
    text = no_key(value if isinstance(value, str) else str(value))
    text = _UNSAFE_IN_BLOCK.sub(_escape, text.replace("\r\n", "\n"))
    return Safe(no_annotation("\n".join(indent + line for line in text.split("\n"))))


# The punctuation that can start markup, a link, an image, HTML, an entity, a table cell or a
# url autolink (``https\\://``) or math (``$``) anywhere in a line; CommonMark lets each be
# backslash-escaped.
# Text is never put at the start of a line, so list and heading markers need no escape.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]()<>#|~!&:$]")


def markdown_text(value: object) -> Safe:
    """Untrusted text for markdown: visible, markup characters escaped, a ``www.`` autolink
    broken, and each ``@`` kept from mentioning anyone (a zero-width space after it)."""
    escaped = _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(), visible(value))
    escaped = re.sub(r"(?i)(www)\.", r"\1\\.", escaped)
    return Safe(escaped.replace("@", "@&#8203;"))


def markdown_code(value: object) -> Safe:
    """Untrusted text as an inline code span (nothing in one is markup or a mention), safe in
    a table cell."""
    text = visible(value).replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or not text.strip() else text
    return Safe(f"{fence}{padded}{fence}")


def json_line(text: str) -> Safe:
    """A line of JSON (already encoded) with the characters terminals act on escaped; the
    decoded value is unchanged."""
    return Safe(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", no_key(text)))


def color_for(out: TextIO) -> bool:
    """Colour only on a terminal, and never under NO_COLOR (no-color.org)."""
    return not os.environ.get("NO_COLOR") and out.isatty()


class Lines:
    """Writes lines of text output. Every part that is not ``Safe`` is escaped with
    ``visible``; ``style`` returns ``Safe`` text, so styled parts must be passed as parts, not
    pasted into an f-string (where their escape codes would be shown, not obeyed)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.color = color_for(out)

    def style(self, text: object, **styles: Any) -> Safe:
        shown = visible(text)
        if not self.color:
            return shown
        from typer import style

        return Safe(style(shown, **styles))

    def write(self, *parts: object) -> None:
        line = "".join([part if type(part) is Safe else visible(part) for part in parts])
        self._out.write(no_annotation(line) + "\n")

    def write_row(self, cells: Iterable[object]) -> None:
        """One tab-separated line, for pipes: each cell escaped, so no tab or newline from a
        recording can split a row."""
        self._out.write(no_annotation("\t".join(visible(cell) for cell in cells)) + "\n")


def terminal_width(out: TextIO) -> int:
    """The width to lay a table out in: ``COLUMNS``, else the terminal's, else 80."""
    try:
        return max(20, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        pass
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut in the middle (``test_func…[gpt-4o]``):
    both ends of an id are what tells ids apart."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def table(
    rows: list[list[str]], width: int, shrink: tuple[int, ...], right: frozenset[int]
) -> list[str]:
    """The rows (of cells already made visible) as lines of a table that fits ``width``:
    the ``shrink`` columns give way as ``fit`` says, each cell cut in the middle, the
    ``right`` columns aligned right."""
    widths = fit(rows, width, shrink)
    return [
        "  ".join(
            shorten(cell, size).rjust(size) if index in right else shorten(cell, size).ljust(size)
            for index, (cell, size) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def fit(rows: list[list[str]], width: int, shrink: tuple[int, ...], minimum: int = 10) -> list[int]:
    """Column widths that fit ``width`` with two spaces between columns: the columns in
    ``shrink`` give way, first to last, down to ``minimum``; the others keep their width."""
    widths = [max((len(row[index]) for row in rows), default=0) for index in range(len(rows[0]))]
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    for index in shrink:
        if excess <= 0:
            break
        give = min(excess, max(0, widths[index] - minimum))
        widths[index] -= give
        excess -= give
    return widths

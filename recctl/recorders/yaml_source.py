"""YAML documents as VCR.py writes them, read safely and with positions.

PyYAML's C loader (safe loading only: a ``!!python/object`` tag is refused, never built) is
the library VCR.py writes cassettes with, so what it reads is what replay reads. The node
tree it composes is kept, so that a finding can name the line and column of any value.

Bounds: libyaml stops nesting at its own depth limit; aliases are the other way a small file
becomes a huge document (a "billion laughs" bomb) or a cycle, so a document whose anchors
expand past a limit, or refer to themselves, is refused before anything walks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from recctl.files import LoadError
from recctl.locate import escape_segment, segments

try:
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc]
    """Safe loading, plus the few Python tags older VCR.py versions wrote and VCR.py still
    reads: strings, tuples, and request bodies saved as a BytesIO or an iterator, each
    rebuilt from its data alone. Any other ``!!python/`` tag is refused."""


def _string(loader: Any, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)


def _sequence(loader: Any, node: yaml.Node) -> Any:
    return loader.construct_sequence(node)


def _buffer(loader: Any, node: yaml.Node) -> Any:
    """A BytesIO body: its ``state`` holds the bytes first."""
    state = loader.construct_mapping(node, deep=True).get("state") or [b""]
    data = state[0] if isinstance(state, (list, tuple)) and state else b""
    return data.encode("utf-8") if isinstance(data, str) else data or b""


def _iterated(loader: Any, node: yaml.Node) -> Any:
    """An iterator body: the sequence it iterated, in ``args``."""
    arguments = loader.construct_mapping(node, deep=True).get("args") or [[]]
    return list(arguments[0]) if isinstance(arguments, (list, tuple)) and arguments else []


for _tag, _construct in (
    ("python/str", _string),
    ("python/unicode", _string),
    ("python/tuple", _sequence),
    ("python/object/new:_io.BytesIO", _buffer),
    ("python/object/apply:builtins.iter", _iterated),
):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct)

# How many values a document may hold once its aliases are expanded, beyond twice the
# values it spells out: generous for any real cassette, tiny for a bomb.
MAX_EXPANDED = 1_000_000
# An anchor token (``&name``): only a document with one can hold an alias at all.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")

Position = tuple[int | None, int | None]
BINARY_TAG = "tag:yaml.org,2002:binary"


@dataclass(frozen=True)
class Source:
    """One parsed YAML document: the text, the data, and the node tree with positions."""

    text: str
    data: Any
    root: yaml.Node | None

    def node_at(self, pointer: str) -> yaml.Node | None:
        """The node a JSON pointer names (None where it leads nowhere)."""
        node = self.root
        if not pointer:
            return node
        for part in segments(pointer):
            if isinstance(node, yaml.MappingNode):
                node = next((value for key, value in node.value if _scalar_text(key) == part), None)
            elif isinstance(node, yaml.SequenceNode) and part.isdigit():
                index = int(part)
                node = node.value[index] if index < len(node.value) else None
            else:
                return node  # a place inside a scalar: the scalar itself
            if node is None:
                return None
        return node

    def positions(self, pointers: Iterable[str]) -> dict[str, Position]:
        """Line and column (1-based) of each pointer's value; the nearest enclosing value
        for a pointer that leads into a missing key."""
        found: dict[str, Position] = {}
        for pointer in pointers:
            node = self.node_at(pointer)
            parent = pointer
            while node is None and parent:
                parent = parent.rsplit("/", 1)[0]
                node = self.node_at(parent)
            if node is None:
                found[pointer] = (None, None)
            else:
                found[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        return found

    def span(self, pointer: str) -> tuple[int, int] | None:
        """Where a scalar's text stands in ``text`` (character offsets), tag included."""
        node = self.node_at(pointer)
        if not isinstance(node, yaml.ScalarNode):
            return None
        return node.start_mark.index, node.end_mark.index


def scalars(root: yaml.Node | None) -> list[tuple[yaml.ScalarNode, str, bool]]:
    """Every scalar of a document, keys too, each node once (an alias is where it was first
    written): (node, JSON pointer of its value, whether it is a key)."""
    found: list[tuple[yaml.ScalarNode, str, bool]] = []
    stack: list[tuple[yaml.Node, str, bool]] = [(root, "", False)] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, pointer, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            found.append((node, pointer, is_key))
        elif isinstance(node, yaml.SequenceNode):
            stack += [(child, f"{pointer}/{i}", False) for i, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                child = f"{pointer}/{escape_segment(name)}"
                stack += [(key, child, True), (value, child, False)]
    return found


def _scalar_text(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _error(exc: yaml.YAMLError) -> LoadError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    tag = re.search(r"tag '(tag:yaml\.org,2002:python/[^']*)'", str(problem))
    if tag is not None:
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        where = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        return LoadError(f"unsafe YAML tag {name}: it builds a Python object; not loaded", *where)
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context and "tag" not in str(problem) else str(problem)
    if mark is None:
        return LoadError(f"invalid YAML: {text}")
    return LoadError(f"invalid YAML: {text}", mark.line + 1, mark.column + 1)


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases form a cycle or expand past the limit."""
    sizes: dict[int, int] = {}
    distinct = 0
    # Iterative post-order walk: (node, children done?)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            size = 1
            if isinstance(node, yaml.SequenceNode):
                size += sum(sizes[id(child)] for child in node.value)
            elif isinstance(node, yaml.MappingNode):
                size += sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            sizes[key] = size
            if size > MAX_EXPANDED + 2 * distinct:
                raise LoadError(
                    "YAML aliases expand past "
                    f"{MAX_EXPANDED:,} values (a billion-laughs document); not read"
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line = node.start_mark.line + 1
            raise LoadError("YAML alias refers to itself (a cycle); not read", line)
        distinct += 1
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, False) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend(((k, False), (v, False)))


def parse(raw: bytes) -> Source:
    """One YAML document from UTF-8 bytes; LoadError (with a position) for anything that is
    not one safe, bounded document."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(f"not UTF-8: byte 0x{raw[exc.start]:02x}", line, column) from None
    if not text.strip():
        raise LoadError("file is empty", 1, 1)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is not None and _ANCHOR.search(text):
            _check_aliases(root)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise _error(exc) from None
    except RecursionError:
        raise LoadError("invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return Source(text, data, root)

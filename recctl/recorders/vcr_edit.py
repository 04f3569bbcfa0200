"""A cassette less some of its interactions (``prune --used --interactions --delete``):
each removed item is cut from the YAML text where it stands, every other byte as it was.

The result is parsed again and must equal the original less exactly those interactions,
else nothing is written.
"""

from __future__ import annotations

import copy
import gzip
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from recctl.files import LoadError
from recctl.locate import value_at
from recctl.recorders.base import Fixture
from recctl.recorders.yaml_source import parse


def rewritten(
    fixture: Fixture, text: str, edits: Iterable[tuple[int, int, str]], expected: Any, what: str
) -> bytes:
    """The cassette's text with ``edits`` (start, end, replacement) made, as bytes in the
    file's own wrapping (gzipped again when it was, its header's time kept); LoadError
    unless it loads as ``expected``: a rewrite that changed anything else is never written."""
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    content = new_text.encode("utf-8")
    if parse(content).data != expected:
        raise LoadError(f"the cassette would not load as the original less {what}")
    return gzipped_like(content, fixture.raw) if fixture.source.gzipped else content


def gzipped_like(content: bytes, original: bytes) -> bytes:
    """``content`` gzipped with the modification time of the gzipped ``original``."""
    return gzip.compress(content, mtime=int.from_bytes(original[4:8], "little"))


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _end(text: str, node: yaml.Node) -> int:
    """Where a block collection's text ends: the start of the line its end mark is on when
    only indentation precedes the mark there (the next key's), else the mark."""
    end: int = node.end_mark.index
    start = _line_start(text, end)
    return start if not text[start:end].strip() else end


def _cuts(
    text: str, key: yaml.Node, items: yaml.SequenceNode, drop: set[int]
) -> list[tuple[int, int, str]]:
    """The edits that remove the items ``drop`` of a block sequence."""
    if items.flow_style:
        raise LoadError("its interactions are written inline (a flow sequence): edit it by hand")
    if drop >= set(range(len(items.value))):
        # Nothing left: the key keeps an empty list, as VCR.py writes an empty cassette.
        colon = text.find(":", key.end_mark.index)
        return [(colon, _end(text, items), ": []\n")]
    starts = [_line_start(text, item.start_mark.index) for item in items.value]
    end = _end(text, items)
    cuts = []
    for index in sorted(drop):
        stop = starts[index + 1] if index + 1 < len(starts) else end
        cuts.append((starts[index], stop, ""))
    return cuts


def without_interactions(fixture: Fixture, drop: Iterable[int]) -> bytes:
    parsed = fixture.source
    if parsed.source is None or parsed.source.root is None:
        raise LoadError("a JSON cassette is not rewritten in place: edit it by hand")
    source = parsed.source
    text: str = source.text
    root = source.root
    dropped = set(drop)
    if not isinstance(root, yaml.MappingNode) or not dropped:
        return fixture.raw
    data = fixture.data
    lists = ("interactions",) if "interactions" in data else ("requests", "responses")
    edits: list[tuple[int, int, str]] = []
    expected = dict(data)
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value in lists:
            if not isinstance(value, yaml.SequenceNode):
                raise LoadError(f"{key.value} is not a list")
            edits += _cuts(text, key, value, dropped)
            expected[key.value] = [
                item for index, item in enumerate(data[key.value]) if index not in dropped
            ]
    return rewritten(fixture, text, edits, expected, "those interactions")


def _entry_cuts(
    text: str, mapping: yaml.MappingNode, drop: list[int]
) -> list[tuple[int, int, str]]:
    """The edits that remove the entries ``drop`` (indexes) of a block mapping."""
    if mapping.flow_style:
        raise LoadError("its headers are written inline (a flow mapping): edit it by hand")
    if len(drop) == len(mapping.value):
        return []  # handled by the caller: the key keeps an empty mapping
    starts = [_line_start(text, key.start_mark.index) for key, _ in mapping.value]
    cuts = []
    for index in drop:
        stop = starts[index + 1] if index + 1 < len(starts) else _end(text, mapping)
        cuts.append((starts[index], stop, ""))
    return cuts


def without_headers(
    fixture: Fixture, matches: Callable[[str], bool], requests: bool
) -> tuple[bytes, list[str]]:
    """The cassette's bytes without the headers whose (lowercased) name ``matches``, from
    its responses and (``requests``) its requests, and the names removed; every other byte
    as it was."""
    from recctl.recorders.vcr import pairs

    parsed = fixture.source
    if parsed.source is None or parsed.source.root is None:
        raise LoadError("a JSON cassette is not rewritten in place: edit it by hand")
    source = parsed.source
    text: str = source.text
    expected = copy.deepcopy(fixture.data)
    edits: list[tuple[int, int, str]] = []
    removed: set[str] = set()
    for base, _, _ in pairs(fixture.data):
        sides = ("response", "request") if requests else ("response",)
        for side in sides:
            at = f"{base}/{side}/headers"
            node = source.node_at(at)
            if not isinstance(node, yaml.MappingNode):
                continue
            drop = [
                index
                for index, (key, _) in enumerate(node.value)
                if isinstance(key, yaml.ScalarNode) and matches(str(key.value).lower())
            ]
            if not drop:
                continue
            names = [str(node.value[index][0].value) for index in drop]
            removed.update(name.lower() for name in names)
            if len(drop) == len(node.value):
                headers_key = source.node_at(at.rsplit("/", 1)[0])
                assert isinstance(headers_key, yaml.MappingNode)
                key = next(k for k, v in headers_key.value if v is node)
                colon = text.find(":", key.end_mark.index)
                edits.append((colon, _end(text, node), ": {}\n"))
            else:
                edits += _entry_cuts(text, node, drop)
            target = value_at(expected, at)
            for name in names:
                target.pop(name, None)
    if not edits:
        return fixture.raw, []
    return rewritten(fixture, text, edits, expected, "those headers"), sorted(removed)

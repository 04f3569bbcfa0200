"""A cassette less some of its interactions (``prune --used --interactions --delete``):
each removed item is cut from the YAML text where it stands, every other byte as it was.

The result is parsed again and must equal the original less exactly those interactions,
else nothing is written.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

import yaml

from recctl.files import LoadError
from recctl.recorders.base import Fixture
from recctl.recorders.yaml_source import parse


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _cuts(
    text: str, key: yaml.Node, items: yaml.SequenceNode, drop: set[int]
) -> list[tuple[int, int, str]]:
    """The edits that remove the items ``drop`` of a block sequence."""
    if items.flow_style:
        raise LoadError("its interactions are written inline (a flow sequence): edit it by hand")
    if drop >= set(range(len(items.value))):
        # Nothing left: the key keeps an empty list, as VCR.py writes an empty cassette.
        colon = text.find(":", key.end_mark.index)
        return [(colon, items.end_mark.index, ": []\n")]
    starts = [_line_start(text, item.start_mark.index) for item in items.value]
    end = items.end_mark.index
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
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    content = new_text.encode("utf-8")
    if parse(content).data != expected:
        raise LoadError("the cassette would not load as the original less those interactions")
    if parsed.gzipped:
        return gzip.compress(content, mtime=int.from_bytes(fixture.raw[4:8], "little"))
    return content

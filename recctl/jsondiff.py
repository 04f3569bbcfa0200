"""Where two JSON documents differ, as JSON pointers: iteratively, so that no depth a parser
accepts exhausts it (``rehash --explain`` and ``diff`` both ask)."""

from __future__ import annotations

import json
from typing import Any, Literal

from recctl.locate import pointer

ABSENT = object()
"""What a side holds at a place it lacks."""


def json_changes(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """(pointer, old, new) for every place two JSON documents differ, in document order; a
    side that lacks the place holds ``ABSENT``."""
    found = []
    stack: list[tuple[tuple[str | int, ...], Any, Any]] = [((), old, new)]
    while stack:
        place, before, after = stack.pop()
        if isinstance(before, dict) and isinstance(after, dict):
            for key in sorted(set(before) | set(after), reverse=True):
                stack.append(((*place, key), before.get(key, ABSENT), after.get(key, ABSENT)))
        elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
            stack.extend(
                ((*place, index), before[index], after[index])
                for index in reversed(range(len(before)))
            )
        elif before != after or type(before) is not type(after):
            found.append((pointer(place) or "/", before, after))
    return found


ChangeKind = Literal["added", "removed", "changed"]


def kinds_of_changes(old: Any, new: Any) -> list[tuple[str, ChangeKind, Any, Any]]:
    """``json_changes`` told as people read them: (pointer, added/removed/changed, old, new),
    a missing side as None."""
    found: list[tuple[str, ChangeKind, Any, Any]] = []
    for where, before, after in json_changes(old, new):
        kind: ChangeKind = (
            "added" if before is ABSENT else "removed" if after is ABSENT else "changed"
        )
        found.append(
            (where, kind, None if before is ABSENT else before, None if after is ABSENT else after)
        )
    return found


def shown(value: Any, limit: int) -> str:
    """A value as compact JSON on one line, cut at ``limit`` characters (``absent`` for a
    side that lacks the place)."""
    if value is ABSENT:
        return "absent"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"

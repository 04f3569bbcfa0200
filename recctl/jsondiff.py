"""Where two JSON documents differ, as JSON pointers: iteratively, so that no depth a parser
accepts exhausts it (``rehash --explain`` and ``diff`` both ask)."""

from __future__ import annotations

from typing import Any

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

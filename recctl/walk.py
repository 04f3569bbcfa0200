"""Copies of parsed documents with their leaves and keys mapped, iteratively: a document
nested as deep as its parser allows never exhausts the stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def mapped(value: Any, leaf: Callable[[Any], Any], key: Callable[[Any], Any]) -> Any:
    """A copy of ``value`` (dicts and lists) with ``leaf`` applied to every other value and
    ``key`` to every mapping key."""
    if not isinstance(value, (dict, list)):
        return leaf(value)
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        source, parent, slot = stack.pop()
        if isinstance(source, dict):
            copy: Any = {}
            parent[slot] = copy
            for name, item in source.items():
                new_name = key(name)
                if isinstance(item, (dict, list)):
                    copy[new_name] = None
                    stack.append((item, copy, new_name))
                else:
                    copy[new_name] = leaf(item)
        else:
            copy = [None] * len(source)
            parent[slot] = copy
            for index, item in enumerate(source):
                if isinstance(item, (dict, list)):
                    stack.append((item, copy, index))
                else:
                    copy[index] = leaf(item)
    return root[0]

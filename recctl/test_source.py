"""What a test module defines, read with ``ast`` (never imported): what ``prune`` asks of
the tests of recordings and of cassettes alike."""

from __future__ import annotations

import ast


def definitions(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(its top-level functions and classes, with ``Class.method`` for each method; the
    classes with bases, whose tests may be inherited)."""
    names: set[str] = set()
    open_classes: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            if node.bases:
                open_classes.add(node.name)
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    return names, open_classes

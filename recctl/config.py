"""``[tool.recctl]`` in the nearest ``pyproject.toml``: where recordings are, and how to check them.

Flags override configuration. An unknown key is an error that names it, so a typo never
silently turns a check off.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recctl.errors import UsageError
from recctl.store import DEFAULT_MAX_FILE_SIZE, inside

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Config:
    """Settings for one run, with paths made absolute."""

    root: Path
    """The project root: the nearest pyproject.toml's directory, else the current directory."""
    pyproject: Path | None = None
    paths: tuple[Path, ...] = ()
    schema: Path | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    hash_scheme: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    secret_allowlist: frozenset[str] = frozenset()
    diff_noise: tuple[str, ...] | None = None


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"[tool.recctl] {key} must be a list of strings")
    return value


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise UsageError(f"[tool.recctl] {key} must be a string")
    return value


def _positive_int(key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise UsageError(f"[tool.recctl] {key} must be a positive integer")
    return value


# Every key recctl understands, with its checker. A key not listed here is an error.
KNOWN_KEYS: dict[str, Callable[[str, Any], Any]] = {
    "paths": _string_list,
    "schema": _string,
    "max-file-size": _positive_int,
    "hash-scheme": _string,
    "select": _string_list,
    "ignore": _string_list,
    "secret-allowlist": _string_list,
    "diff-noise": _string_list,
}


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _project_path(root: Path, key: str, value: str) -> Path:
    path = (root / value).resolve()
    if not inside(path, root):
        raise UsageError(f"[tool.recctl] {key} entry {value!r} points outside the project {root}")
    return path


def load_config(cwd: Path | None = None) -> Config:
    """Read ``[tool.recctl]`` from the nearest ``pyproject.toml`` above ``cwd``."""
    cwd = (cwd or Path.cwd()).resolve()
    pyproject = find_pyproject(cwd)
    if pyproject is None:
        return Config(root=cwd)
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {pyproject}: {exc}") from None
    table = document.get("tool", {}).get("recctl", {})
    root = pyproject.parent
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [tool.recctl] must be a table")
    for key, value in table.items():
        checker = KNOWN_KEYS.get(key)
        if checker is None:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise UsageError(f"{pyproject}: unknown key {key!r} in [tool.recctl] (known: {known})")
        checker(key, value)
    return Config(
        root=root,
        pyproject=pyproject,
        paths=tuple(_project_path(root, "paths", item) for item in table.get("paths", [])),
        schema=_project_path(root, "schema", table["schema"]) if "schema" in table else None,
        max_file_size=table.get("max-file-size", DEFAULT_MAX_FILE_SIZE),
        hash_scheme=table.get("hash-scheme"),
        select=tuple(table.get("select", ())),
        ignore=tuple(table.get("ignore", ())),
        secret_allowlist=frozenset(table.get("secret-allowlist", ())),
        diff_noise=tuple(table["diff-noise"]) if "diff-noise" in table else None,
    )

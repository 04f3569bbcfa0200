"""``[tool.recctl]`` in a project's ``pyproject.toml``: where recordings are, and how to check
them.

Flags override configuration. An unknown key, or a value of the wrong type, is an error that
names it, so a typo never silently turns a check off.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recctl.errors import UsageError
from recctl.files import DEFAULT_MAX_FILE_SIZE, LoadError, inside, read_bytes

# A pyproject.toml is a few kilobytes; a larger one is a mistake or a trap.
MAX_PYPROJECT_SIZE = 16 * 1024 * 1024


def glob_regex(glob: str) -> re.Pattern[str]:
    """A glob over paths relative to the project root, as ruff's per-file-ignores read them:
    ``*`` and ``?`` stay within a directory, ``**`` crosses directories, a glob without a
    slash matches a name at any depth, and a directory matches everything below it."""
    text = glob.strip()
    text = text[2:] if text.startswith("./") else text
    anchored = "/" in text.rstrip("/")
    text = text.strip("/")
    parts: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if text.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
            continue
        if text.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "[" and "]" in text[index + 2 :]:
            end = text.index("]", index + 2)
            inner = text[index + 1 : end]
            negate = inner.startswith("!")
            parts.append("[" + ("^" if negate else "") + re.escape(inner[negate:]) + "]")
            index = end + 1
            continue
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile(("" if anchored else "(?:.*/)?") + "".join(parts) + "(?:/.*)?")


def root_relative(path: str | Path, root: str | Path) -> str:
    """``path`` relative to ``root``, ``/``-separated, as per-path globs and the caches read
    it (the directory resolved only when the plain path is not under the root)."""
    text = os.fspath(path)
    # Discovery gives absolute, normal paths: only others pay for normalizing.
    if not os.path.isabs(text) or f"{os.sep}." in text or os.sep * 2 in text:
        text = os.path.abspath(text)
    prefix = str(root).rstrip(os.sep) + os.sep
    if not text.startswith(prefix):
        real = os.path.join(os.path.realpath(os.path.dirname(text)), os.path.basename(text))
        text = real if real.startswith(prefix) else text
    relative = text[len(prefix) :] if text.startswith(prefix) else text
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


@dataclass(frozen=True)
class PathIgnores:
    """``[tool.recctl.per-path-ignores]``: the checks not run on the files a glob matches."""

    rules: tuple[tuple[str, re.Pattern[str], frozenset[str]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def ignored(self, relative: str) -> frozenset[str]:
        """The checks to skip for a path relative to the root (``/``-separated)."""
        skipped: frozenset[str] = frozenset()
        for _glob, pattern, checks in self.rules:
            if pattern.fullmatch(relative):
                skipped |= checks
        return skipped

    def ignored_for(self, path: str | Path, root: str | Path) -> frozenset[str]:
        return self.ignored(root_relative(path, root)) if self.rules else frozenset()

    @classmethod
    def of(cls, table: dict[str, list[str]]) -> PathIgnores:
        return cls(
            tuple((glob, glob_regex(glob), frozenset(checks)) for glob, checks in table.items())
        )


NO_PATH_IGNORES = PathIgnores()


@dataclass(frozen=True)
class Config:
    """The settings of ``[tool.recctl]``, with paths made absolute."""

    pyproject: Path | None = None
    paths: tuple[Path, ...] = ()
    schema: Path | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    hash_scheme: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    secret_allowlist: frozenset[str] = frozenset()
    secret_salt: str | None = field(default_factory=lambda: _environment_salt())
    """Keys the secrets' fingerprints (``RECCTL_SECRET_SALT``, else ``secret-salt``); without
    one no fingerprint is shown (an unsalted one could be brute-forced from the output)."""
    diff_noise: tuple[str, ...] | None = None
    normalize_headers: tuple[str, ...] = ()
    """``normalize-headers``: the volatile headers (name globs) ``normalize`` drops from
    VCR.py cassettes."""
    per_path_ignores: PathIgnores = NO_PATH_IGNORES
    baseline: Path | None = None
    """``baseline``: the baseline file (default ``.recctl-baseline.json`` at the root)."""
    cache_dir: Path | None = None
    """``cache-dir``: where the result cache is (default ``.recctl_cache`` at the root)."""


def _environment_salt() -> str | None:
    return os.environ.get("RECCTL_SECRET_SALT") or None


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"[tool.recctl] {key} must be a list of strings")
    return value


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise UsageError(f"[tool.recctl] {key} must be a string")
    return value


def _scheme_name(key: str, value: Any) -> str:
    """A scheme's name: a string, or an integer (``hash-scheme = 4``)."""
    return _string(key, str(value) if type(value) is int else value)


def _positive_int(key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise UsageError(f"[tool.recctl] {key} must be a positive integer")
    return value


def _path_ignores(key: str, value: Any) -> dict[str, list[str]]:
    from recctl.findings import CHECKS

    if not isinstance(value, dict):
        raise UsageError(f"[tool.recctl.{key}] must be a table of globs to lists of checks")
    for glob, checks in value.items():
        names = _string_list(f"{key} {glob!r}", checks)
        unknown = sorted(set(names) - set(CHECKS))
        if unknown:
            raise UsageError(
                f"[tool.recctl.{key}] {glob!r}: unknown check {', '.join(unknown)} "
                f"(checks: {', '.join(CHECKS)})"
            )
    return value


# Every key recctl understands, with its checker. A key not listed here is an error.
KNOWN_KEYS: dict[str, Callable[[str, Any], Any]] = {
    "paths": _string_list,
    "schema": _string,
    "max-file-size": _positive_int,
    "hash-scheme": _scheme_name,
    "select": _string_list,
    "ignore": _string_list,
    "secret-allowlist": _string_list,
    "secret-salt": _string,
    "diff-noise": _string_list,
    "normalize-headers": _string_list,
    "per-path-ignores": _path_ignores,
    "baseline": _string,
    "cache-dir": _string,
}


def recctl_table(pyproject: Path) -> dict[str, Any] | None:
    """The ``[tool.recctl]`` table of a ``pyproject.toml``, or None when it has none.

    Most pyproject files never mention recctl: those are not parsed at all.
    """
    try:
        raw = read_bytes(pyproject, MAX_PYPROJECT_SIZE)
    except LoadError as error:
        raise UsageError(f"cannot read {pyproject}: {error.message}") from None
    if b"recctl" not in raw:
        return None
    # Imported here: most runs read no configuration, and start-up is every hook run's cost.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {pyproject}: {exc}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{pyproject}: tool must be a table, not {type(tool).__name__}")
    if "recctl" not in tool:
        return None
    table = tool["recctl"]
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [tool.recctl] must be a table")
    return table


def _project_path(root: Path, key: str, value: str) -> Path:
    path = (root / value).resolve()
    if not inside(path, root):
        raise UsageError(f"[tool.recctl] {key} entry {value!r} points outside the project {root}")
    return path


def _cache_dir(root: Path, value: str) -> Path:
    """``cache-dir``: a folder inside the project, as every configured path is, and not the
    root itself (recctl writes a ``.gitignore`` of ``*`` into it, which would hide every new
    file of the project from ``git add``)."""
    path = _project_path(root, "cache-dir", value)
    if path == Path(os.path.realpath(root)):
        raise UsageError(
            f"[tool.recctl] cache-dir {value!r} is the project root: name a folder inside it"
        )
    return path


def config_from_table(pyproject: Path, table: dict[str, Any]) -> Config:
    """Check every key of ``[tool.recctl]`` and make its paths absolute."""
    root = pyproject.parent
    for key, value in table.items():
        checker = KNOWN_KEYS.get(key)
        if checker is None:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise UsageError(f"{pyproject}: unknown key {key!r} in [tool.recctl] (known: {known})")
        checker(key, value)
    if "secret-allowlist" in table and not (table.get("secret-salt") or _environment_salt()):
        raise UsageError(
            f"{pyproject}: secret-allowlist needs secret-salt in [tool.recctl] (fingerprints are "
            "keyed by it): set it to a random string, e.g. python -c "
            "'import secrets; print(secrets.token_hex(16))'"
        )
    return Config(
        pyproject=pyproject,
        paths=tuple(_project_path(root, "paths", item) for item in table.get("paths", [])),
        schema=_project_path(root, "schema", table["schema"]) if "schema" in table else None,
        max_file_size=table.get("max-file-size", DEFAULT_MAX_FILE_SIZE),
        hash_scheme=_scheme_name("hash-scheme", table["hash-scheme"])
        if "hash-scheme" in table
        else None,
        select=tuple(table.get("select", ())),
        ignore=tuple(table.get("ignore", ())),
        secret_allowlist=frozenset(table.get("secret-allowlist", ())),
        secret_salt=_environment_salt() or table.get("secret-salt") or None,
        diff_noise=tuple(table["diff-noise"]) if "diff-noise" in table else None,
        normalize_headers=tuple(table.get("normalize-headers", ())),
        per_path_ignores=PathIgnores.of(table.get("per-path-ignores", {})),
        baseline=_project_path(root, "baseline", table["baseline"])
        if "baseline" in table
        else None,
        cache_dir=_cache_dir(root, table["cache-dir"]) if "cache-dir" in table else None,
    )


def load_config(directory: Path) -> Config:
    """The configuration in ``directory/pyproject.toml`` (defaults when there is none)."""
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return Config()
    table = recctl_table(pyproject)
    return Config() if table is None else config_from_table(pyproject, table)

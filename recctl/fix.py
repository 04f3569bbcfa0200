"""``recctl fix`` (and ``check --fix``): every repair that cannot change what replay finds or
sends, in one run: normalize ids and timestamps, rename outdated files, redact the secrets
outside the hashed request. What needs a person (a secret in the request body, a mismatched
name) is left to ``check`` to report.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from recctl import rehash
from recctl.hashing import HashScheme
from recctl.interrupt import Interruption
from recctl.normalize import Normalization, normalize_paths
from recctl.project import Project
from recctl.redact import Redaction, redact_paths
from recctl.renames import Rename

# The actions that change (or, on a dry run, would change) a file.
CHANGING = frozenset(
    {"normalized", "would normalize", "renamed", "would rename", "redacted", "would redact"}
)
FAILING = frozenset({"failed"})
"""What went wrong in a write (or would, for a file that cannot be read). A duplicate or a
conflict is no failure of fix: it is a file no fix repairs (``left``)."""


@dataclass(frozen=True)
class FixReport:
    normalized: list[Normalization]
    renames: list[Rename]
    redactions: list[Redaction]
    write: bool
    files: list[str]
    """The files after the fixes (renamed ones under their new names)."""

    @property
    def changed(self) -> int:
        """Files changed, or that a write would change."""
        paths = {item.path for item in self.normalized if item.action in CHANGING}
        paths |= {item.verdict.path for item in self.renames if item.action in CHANGING}
        paths |= {item.path for item in self.redactions if item.action in CHANGING}
        return len(paths)

    @property
    def left(self) -> Counter[str]:
        """Files a rename cannot repair, by their word (duplicate, conflict), for a person
        (or ``recctl prune --delete``) to settle."""
        return Counter(
            rename.action for rename in self.renames if rename.action in ("duplicate", "conflict")
        )

    @property
    def failed(self) -> int:
        return (
            sum(item.action in FAILING for item in self.normalized)
            + sum(item.action in FAILING for item in self.renames)
            + sum(item.action in FAILING for item in self.redactions)
        )


def fix_paths(
    files: Sequence[str | Path],
    project: Project,
    target: HashScheme,
    jobs: int | None,
    write: bool,
    stop: Interruption | None = None,
) -> FixReport:
    """Normalize, then rename outdated files, then redact (a dry run unless ``write``)."""
    from recctl.discovery import recorders_for
    from recctl.recorders import named

    settings = project.config
    root = project.root

    def of(command: str) -> list[str | Path]:
        """The files whose recorder that repair works on (a cassette has no hash name)."""
        wanted = recorders_for(command)
        return [path for path in files if named(str(path)) in (*wanted, None)]

    normalized = [
        item
        for item in normalize_paths(
            of("normalize"),
            root,
            settings.max_file_size,
            write,
            stop,
            settings.normalize_headers,
            jobs,
        )
        if item.action != "unchanged"  # only counted as nothing to do: not kept
    ]
    result = rehash.rehash(
        of("rehash"), target, root, settings.max_file_size, jobs, write, False, stop
    )
    moved: dict[str, str] = {}
    for rename in result.renames:
        if write and rename.action in ("renamed", "completed") and rename.verdict.expected:
            old = rename.verdict.path
            moved[old] = os.path.join(os.path.dirname(old), rename.verdict.expected)
    current = sorted(
        path
        for path in (moved.get(str(path), str(path)) for path in files)
        if os.path.lexists(path)
    )
    redactions = [
        redaction
        for redaction in redact_paths(
            current,
            root,
            settings.max_file_size,
            settings.secret_allowlist,
            settings.secret_salt,
            write,
            stop,
            jobs,
        )
        # Unreadable files and secrets in the hashed request are check's to report.
        if redaction.action in ("redacted", "would redact", "failed")
    ]
    return FixReport(normalized, result.renames, redactions, write, current)

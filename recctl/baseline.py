"""The baseline: the findings a project accepted when it adopted recctl, so that ``check``
fails only on new ones, as detect-secrets' baselines do.

An entry is keyed by the file's path relative to the project root, the check and a
fingerprint of the finding's content (its pointer and message, without line numbers), never
by line: a re-indent or an edit elsewhere in the file leaves it matched. A secret's
fingerprint covers its value too, keyed (HMAC-SHA256) by a random salt the baseline keeps:
a masked message is the same for two keys of one kind at one place, and a re-recorded real
key must not pass as the accepted one. Messages are the masked ones ``check`` prints, so an
entry holds no secret, nor any piece of one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from recctl import store
from recctl.config import root_relative
from recctl.errors import UsageError
from recctl.findings import CheckReport, FileResult, Finding
from recctl.project import Project

BASELINE_NAME = ".recctl-baseline.json"
FORMAT_VERSION = 2
"""2: secrets' fingerprints cover their values (version 1 baselines are read; their secret
entries no longer match and are reported as no longer occurring)."""
READ_VERSIONS = (1, 2)

# Positions a message may quote (a parser's "line 3 column 5 (char 40)"): not content.
_POSITION = re.compile(r"\b(?:line|column|col|char|offset|pos(?:ition)?) \d+|\(\d+:\d+\)")


@dataclass(frozen=True)
class BaselineEntry:
    path: str
    """Relative to the project root, ``/``-separated."""
    check: str
    fingerprint: str
    message: str = field(compare=False, default="")
    """For the reviewer of the baseline file; never compared."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.check, self.fingerprint)

    def record(self) -> dict[str, str]:
        return {
            "path": self.path,
            "check": self.check,
            "fingerprint": self.fingerprint,
            "message": self.message,
        }


def fingerprint(finding: Finding, salt: str) -> str:
    """What a finding says, without where in the file it is: 16 hex of a SHA-256; for a
    secret, of its value too, keyed by the baseline's ``salt``."""
    message = _POSITION.sub("", finding.message)
    parts = [finding.check, finding.pointer or "", message]
    if finding.value_digest is not None:
        key = salt.encode("utf-8", "surrogatepass")
        parts.append(hmac.new(key, finding.value_digest.encode(), hashlib.sha256).hexdigest())
    text = "\0".join(parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def entry_of(finding: Finding, root: Path, salt: str) -> BaselineEntry:
    return BaselineEntry(
        root_relative(finding.path, root),
        finding.check,
        fingerprint(finding, salt),
        finding.message,
    )


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[BaselineEntry, ...] = ()
    raw: bytes | None = None
    """The bytes read (None: no file yet): a write refuses a file changed since."""
    salt: str = ""
    """Keys the secrets' fingerprints; a new baseline gets a random one, kept on rewrites."""


def baseline_path(root: Path, configured: Path | None, chosen: Path | None) -> Path:
    """``--baseline``, else ``baseline`` in the configuration, else the default at the root."""
    if chosen is not None:
        return Path(os.path.abspath(chosen))
    return configured if configured is not None else root / BASELINE_NAME


def load_baseline(path: Path, required: bool) -> Baseline:
    """The baseline at ``path``; a missing file is an empty one unless ``required`` (a file
    the user named: a typo must not turn the baseline off)."""
    if not required and not os.path.lexists(path):
        return Baseline(path)
    try:
        raw = store.read_bytes(path)
    except store.LoadError as error:
        if not required and not os.path.lexists(path):
            return Baseline(path)
        hint = " (recctl check --write-baseline writes it)" if not os.path.lexists(path) else ""
        raise UsageError(f"baseline {path}: {error.message}{hint}") from None
    try:
        document = store.parse_exact(raw)
    except store.LoadError as error:
        raise UsageError(f"baseline {path}: {error.message}") from None
    salt = document.get("salt") if isinstance(document, dict) else None
    if salt is not None and not isinstance(salt, str):
        raise UsageError(f"baseline {path}: salt must be a string")
    return Baseline(path, _entries(path, document), raw, salt or "")


def _entries(path: Path, document: Any) -> tuple[BaselineEntry, ...]:
    if not isinstance(document, dict) or document.get("recctl-baseline") not in READ_VERSIONS:
        raise UsageError(f"baseline {path}: not a recctl baseline (version {FORMAT_VERSION})")
    items = document.get("findings")
    if not isinstance(items, list):
        raise UsageError(f"baseline {path}: findings must be a list")
    entries = []
    for number, item in enumerate(items, 1):
        fields = ("path", "check", "fingerprint")
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in fields):
            raise UsageError(f"baseline {path}: entry {number} needs path, check and fingerprint")
        message = item.get("message")
        entries.append(
            BaselineEntry(
                item["path"],
                item["check"],
                item["fingerprint"],
                message if isinstance(message, str) else "",
            )
        )
    return tuple(entries)


def checked_paths(files: Iterable[str | Path], root: Path) -> set[str]:
    return {root_relative(path, root) for path in files}


def apply_baseline(
    report: CheckReport,
    baseline: Baseline,
    root: Path,
    checked: set[str],
    judged: Callable[[str, str], bool] = lambda path, check: True,
) -> CheckReport:
    """The report without the findings the baseline holds, counting them, and counting the
    entries of the files checked (``checked``, root-relative) that no longer occur, by the
    checks that ran on them (``judged(path, check)``). Entries of files or checks not run (a
    pre-commit run on three files, a check ignored today) are neither."""
    remaining = Counter(entry.key for entry in baseline.entries)
    failed: list[FileResult] = []
    baselined = 0
    for result in report.failed:
        kept = []
        for finding in result.findings:
            key = entry_of(finding, root, baseline.salt).key
            if remaining[key] > 0:
                remaining[key] -= 1
                baselined += 1
            else:
                kept.append(finding)
        if kept:
            failed.append(FileResult(result.path, kept))
    gone = sum(
        count
        for key, count in remaining.items()
        if count > 0 and key[0] in checked and judged(key[0], key[1])
    )
    return replace(report, failed=failed, baselined=baselined, baseline_gone=gone)


@dataclass(frozen=True)
class BaselineWritten:
    """What ``check --write-baseline`` wrote."""

    path: Path
    entries: int
    files: int
    kept: int
    """Entries of files not checked this run, carried over."""
    changed: bool


def write_baseline(
    report: CheckReport, baseline: Baseline, root: Path, checked: set[str]
) -> BaselineWritten:
    """Record the findings of the files checked; entries of other files that still exist are
    kept, so that a run on part of the corpus does not forget the rest."""
    kept = [
        entry
        for entry in baseline.entries
        if entry.path not in checked and os.path.lexists(root / entry.path)
    ]
    salt = baseline.salt or os.urandom(16).hex()
    entries = sorted(
        [*kept, *(entry_of(finding, root, salt) for finding in report.findings)],
        key=lambda entry: entry.key,
    )
    content = serialize(entries, salt)
    # A baseline in the project is never written through a symlink that leaves it; one the
    # user named elsewhere is written where they said.
    within = os.path.abspath(baseline.path).startswith(str(root).rstrip(os.sep) + os.sep)
    try:
        changed = store.write(
            baseline.path, content, expected=baseline.raw, root=root if within else None
        )
    except store.WriteError as error:
        raise UsageError(str(error)) from None
    return BaselineWritten(
        baseline.path, len(entries), len({entry.path for entry in entries}), len(kept), changed
    )


def serialize(entries: Sequence[BaselineEntry], salt: str) -> bytes:
    """The baseline file: sorted entries, one object each, so that its diffs are readable."""
    import json

    document = {
        "recctl-baseline": FORMAT_VERSION,
        "about": "Findings accepted when recctl was adopted: `recctl check` reports only "
        "others. Rewrite with `recctl check --write-baseline`.",
        "salt": salt,
        "findings": [entry.record() for entry in entries],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode(
        "utf-8", "surrogatepass"
    )


def _chosen(project: Project, chosen: Path | None, writing: bool) -> Baseline:
    """The project's baseline: ``--baseline``, else the configured one, else the default.
    One the user named must exist unless it is being written (a typo turns nothing off)."""
    where = baseline_path(project.root, project.config.baseline, chosen)
    named = chosen is not None or project.config.baseline is not None
    return load_baseline(where, named and not writing)


def without_baselined(
    report: CheckReport,
    project: Project,
    files: Iterable[str | Path],
    chosen: Path | None,
    checks_for: Callable[[Path], frozenset[str]] | None = None,
) -> CheckReport:
    """``check``'s report less what the project's baseline holds (unchanged without one);
    ``checks_for`` says which checks ran on a file (default: every check)."""
    baseline = _chosen(project, chosen, writing=False)
    if not baseline.entries:
        return report
    root = project.root

    def judged(relative: str, check: str) -> bool:
        return checks_for is None or check in checks_for(root / relative)

    return apply_baseline(report, baseline, root, checked_paths(files, root), judged)


def record_baseline(
    report: CheckReport, project: Project, files: Iterable[str | Path], chosen: Path | None
) -> BaselineWritten:
    """``check --write-baseline``: the report's findings become the project's baseline."""
    baseline = _chosen(project, chosen, writing=True)
    return write_baseline(report, baseline, project.root, checked_paths(files, project.root))

"""``recctl check``.

It runs every per-file check on one parse of each file: the schema (as ``validate``),
the name against the target hash scheme (as ``rehash``), the recorder's normalization of ids
and timestamps, and secrets. Placement and staleness are ``prune``'s business.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from recctl import normalize, secrets, store
from recctl.config import NO_PATH_IGNORES, PathIgnores
from recctl.errors import UsageError
from recctl.findings import CHECKS, CheckReport, FileResult, Finding
from recctl.hashing import SCHEMES, HashScheme
from recctl.locate import locate
from recctl.parallel import process_map
from recctl.rehash import classify
from recctl.schema import SchemaValidator
from recctl.validate import load_finding, schema_findings

__all__ = ["CHECKS", "CheckSettings", "check_file", "check_paths", "selected_checks"]

# The checks whose messages quote values from the file (a schema error, a field's old value):
# those must be masked. A hash finding names only file names and schemes.
QUOTING = frozenset({"schema", "normalization"})


def selected_checks(select: Iterable[str], ignore: Iterable[str]) -> frozenset[str]:
    """The checks to run: ``select`` (default all) minus ``ignore``; unknown names are errors."""
    chosen = [name.strip() for value in select for name in value.split(",") if name.strip()]
    dropped = [name.strip() for value in ignore for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen + dropped) - set(CHECKS))
    if unknown:
        raise UsageError(f"unknown check {', '.join(unknown)} (checks: {', '.join(CHECKS)})")
    return frozenset(chosen or CHECKS) - frozenset(dropped)


@dataclass(frozen=True)
class CheckSettings:
    checks: frozenset[str]
    target: str
    allowlist: frozenset[str]
    max_size: int
    validator: SchemaValidator | None
    """None when the schema check is not selected."""
    salt: str | None = None
    """Keys the secrets' fingerprints (``secret-salt``)."""
    root: str = ""
    """The project root, which ``ignores`` globs are relative to."""
    ignores: PathIgnores = NO_PATH_IGNORES

    def checks_for(self, path: str | Path) -> frozenset[str]:
        """The checks to run on one file: the selected ones less its per-path ignores."""
        if not self.ignores:
            return self.checks
        return self.checks - self.ignores.ignored_for(path, self.root)


def normalization_findings(display: str, recording: store.Recording) -> list[Finding]:
    hash12 = normalize.name_hash12(recording.name)
    if hash12 is None or not isinstance(recording.data, dict):
        return []
    changes = normalize.changes(recording.data, hash12)
    if not changes:
        return []
    first = changes[0]
    line = locate(recording.raw, {first.pointer}).get(first.pointer, (None, None))[0]
    fields = sorted({change.field for change in changes})
    message = (
        f"{len(changes)} field{'s' if len(changes) != 1 else ''} not normalized "
        f"({', '.join(fields)}; e.g. {first.field} {first.old!r} should be {first.new!r}): "
        "recctl normalize --write"
    )
    return [Finding(display, line, None, first.pointer, "normalization", message)]


def hash_findings(display: str, recording: store.Recording, target: HashScheme) -> list[Finding]:
    verdict = classify(recording, display, target)
    if verdict.status not in ("outdated", "mismatch"):
        return []
    repair = " (recctl rehash --write)" if verdict.repair == "rename" else ""
    message = (
        f"{verdict.status}: the name should be {verdict.expected} under scheme {target.name}"
        f"{repair}; {verdict.detail}"
    )
    return [Finding(display, None, None, None, "hash", message)]


def secret_findings(
    display: str, found: Sequence[secrets.Secret], allowlist: frozenset[str]
) -> list[Finding]:
    return [
        Finding(display, secret.line, None, secret.pointer, "secret", secret.message())
        for secret in found
        if secret.fingerprint not in allowlist
    ]


def masked(findings: list[Finding], masker: secrets.Masker) -> list[Finding]:
    """Findings with every secret of their file masked: in messages (a schema error quotes
    the value) and in pointers (a key can be the secret)."""
    if not masker:
        return findings
    return [
        replace(
            finding,
            message=masker.text(finding.message),
            pointer=masker.text(finding.pointer) if finding.pointer else finding.pointer,
        )
        for finding in findings
    ]


def check_file(
    path: str | Path, display: str, validator: SchemaValidator | None, settings: CheckSettings
) -> FileResult:
    """Every selected check on one parse of one file (less its per-path ignores)."""
    checks = settings.checks_for(path)
    if not checks:
        return FileResult(display)
    try:
        recording = store.load(path, settings.max_size)
    except store.LoadError as error:
        return FileResult(display, [load_finding(display, error)])
    findings: list[Finding] = []
    if validator is not None and "schema" in checks:
        findings += schema_findings(display, recording, validator)
    if "hash" in checks:
        try:
            findings += hash_findings(display, recording, SCHEMES[settings.target])
        except store.LoadError as error:
            findings.append(load_finding(display, error))
    if "normalization" in checks:
        findings += normalization_findings(display, recording)
    if "secret" in checks or any(f.check in QUOTING for f in findings):
        # Secrets are looked for to mask them even when they are not to be reported.
        found = secrets.scan(recording.raw, recording.data, frozenset(), settings.salt)
        if "secret" in checks:
            findings += secret_findings(display, found, settings.allowlist)
        findings = masked(findings, secrets.Masker.of(found))
    return FileResult(display, findings)


_worker: dict[str, Any] = {}


def _init(settings: CheckSettings) -> None:
    _worker["settings"] = settings
    _worker["validator"] = settings.validator if "schema" in settings.checks else None


def _check_item(path: str | Path) -> FileResult:
    return check_file(path, str(path), _worker["validator"], _worker["settings"])


def check_paths(
    paths: Sequence[str | Path], settings: CheckSettings, jobs: int | None = None
) -> CheckReport:
    """Every selected check on every file, in path order; findings name files by the paths
    given."""
    return CheckReport.of(process_map(_check_item, paths, jobs, _init, (settings,)))


def existing(paths: Iterable[Path]) -> list[Path]:
    """The paths still there (after renames)."""
    return [path for path in paths if os.path.lexists(path)]

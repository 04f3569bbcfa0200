"""``recctl check``, ``recctl normalize`` and ``recctl redact``.

``check`` runs every per-file check on one parse of each file: the schema (as ``validate``),
the name against the target hash scheme (as ``rehash``), the recorder's normalization of ids
and timestamps, and secrets. Placement and staleness are ``prune``'s business.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from recctl import normalize, secrets, store
from recctl.discovery import display_path
from recctl.errors import UsageError
from recctl.findings import CheckReport, FileResult, Finding
from recctl.hashing import SCHEMES, HashScheme
from recctl.hashing.names import parse_name
from recctl.interrupt import Interruption
from recctl.locate import locate
from recctl.parallel import process_map
from recctl.rehash import classify
from recctl.schema import SchemaValidator
from recctl.validate import load_finding, schema_findings

CHECKS = ("schema", "hash", "normalization", "secret")


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


def _hash12(file_name: str) -> str | None:
    name = parse_name(file_name)
    return name.hash[:12] if name.hash else None


def normalization_findings(display: str, recording: store.Recording) -> list[Finding]:
    hash12 = _hash12(recording.name)
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
    display: str, recording: store.Recording, allowlist: frozenset[str]
) -> list[Finding]:
    return [
        Finding(display, secret.line, None, secret.pointer, "secret", secret.message())
        for secret in secrets.scan(recording.raw, recording.data, allowlist)
    ]


def check_file(
    path: str | Path, display: str, validator: SchemaValidator | None, settings: CheckSettings
) -> FileResult:
    """Every selected check on one parse of one file."""
    try:
        recording = store.load(path, settings.max_size)
    except store.LoadError as error:
        return FileResult(display, [load_finding(display, error)])
    findings: list[Finding] = []
    if validator is not None:
        findings += schema_findings(display, recording, validator)
    if "hash" in settings.checks:
        try:
            findings += hash_findings(display, recording, SCHEMES[settings.target])
        except store.LoadError as error:
            findings.append(load_finding(display, error))
    if "normalization" in settings.checks:
        findings += normalization_findings(display, recording)
    if "secret" in settings.checks:
        findings += secret_findings(display, recording, settings.allowlist)
    return FileResult(display, findings)


_worker: dict[str, Any] = {}


def _init(settings: CheckSettings, cwd: Path) -> None:
    _worker["settings"] = settings
    _worker["cwd"] = cwd
    _worker["validator"] = settings.validator if "schema" in settings.checks else None


def _check_item(path: str | Path) -> FileResult:
    # The display path is made here, not held for every file by the parent.
    display = display_path(path, _worker["cwd"])
    return check_file(path, display, _worker["validator"], _worker["settings"])


def check_paths(
    paths: Sequence[str | Path], settings: CheckSettings, cwd: Path, jobs: int | None = None
) -> CheckReport:
    return CheckReport.of(process_map(_check_item, paths, jobs, _init, (settings, cwd)))


# --- normalize ------------------------------------------------------------------------------

NormalizeAction = Literal["normalized", "would normalize", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class Normalization:
    path: str
    action: NormalizeAction
    fields: list[str] = field(default_factory=list)
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "action": self.action,
            "fields": self.fields,
            "detail": self.detail,
        }


def normalize_file(
    path: Path, display: str, root: Path, max_size: int, write: bool
) -> Normalization:
    hash12 = _hash12(path.name)
    if hash12 is None:
        return Normalization(display, "skipped", detail="the file name is not a request hash")
    try:
        recording = store.load(path, max_size)
    except store.LoadError as error:
        return Normalization(display, "failed", detail=error.message)
    if not isinstance(recording.data, dict):
        return Normalization(display, "skipped", detail="not a recording")
    changes = normalize.changes(recording.data, hash12)
    if not changes:
        return Normalization(display, "unchanged")
    fields = sorted({change.field for change in changes})
    detail = f"{len(changes)} fields"
    if not write:
        return Normalization(display, "would normalize", fields, detail)
    try:
        exact = store.parse_exact(recording.raw)  # every integer as it was
    except store.LoadError as error:
        return Normalization(display, "failed", fields, error.message)
    content = store.dumps(normalize.normalized(exact, hash12))
    try:
        store.write(path, content, expected=recording.raw, root=root)
    except store.WriteError as error:
        return Normalization(display, "failed", fields, str(error))
    return Normalization(display, "normalized", fields, detail)


def normalize_paths(
    paths: Sequence[Path],
    root: Path,
    cwd: Path,
    max_size: int,
    write: bool,
    stop: Interruption | None = None,
) -> list[Normalization]:
    """Normalize file by file (a dry run unless ``write``) until ``stop``; a file already
    right is untouched."""
    results = []
    for path in paths:
        if stop is not None and stop.requested:
            break
        results.append(normalize_file(path, display_path(path, cwd), root, max_size, write))
    return results


# --- redact ---------------------------------------------------------------------------------

RedactAction = Literal["redacted", "would redact", "re-record", "failed"]


@dataclass(frozen=True)
class Redaction:
    path: str
    action: RedactAction
    secret: secrets.Secret

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "action": self.action,
            "kind": self.secret.kind,
            "where": self.secret.where,
            "line": self.secret.line,
            "masked": self.secret.masked,
            "fingerprint": self.secret.fingerprint,
        }


def redact_file(
    path: Path, display: str, root: Path, max_size: int, allowlist: frozenset[str], write: bool
) -> list[Redaction]:
    try:
        recording = store.load(path, max_size, exact=True)
    except store.LoadError:
        return []
    found = secrets.scan(recording.raw, recording.data, allowlist)
    if not found:
        return []
    # A secret the request hash covers stays, wherever else it appears too: redacting it
    # would break replay.
    hashed_values = {s.value for s in found if s.hashed}
    replaceable = {s.value: s.kind for s in found if s.value not in hashed_values}
    actions = [
        Redaction(
            display,
            "re-record"
            if secret.value in hashed_values
            else ("redacted" if write else "would redact"),
            secret,
        )
        for secret in found
    ]
    if write and replaceable:
        data = dict(recording.data)
        request = dict(data["request"])
        for key in ("headers", "url"):
            if key in request:
                request[key] = secrets.redact_value(request[key], replaceable)
        data["request"] = request
        data["response"] = secrets.redact_value(data.get("response"), replaceable)
        try:
            store.write(path, store.dumps(data), expected=recording.raw, root=root)
        except store.WriteError:
            return [
                Redaction(display, "failed", action.secret)
                if action.action == "redacted"
                else action
                for action in actions
            ]
    return actions


def redact_paths(
    paths: Sequence[Path],
    root: Path,
    cwd: Path,
    max_size: int,
    allowlist: frozenset[str],
    write: bool,
    stop: Interruption | None = None,
) -> list[Redaction]:
    actions = []
    for path in paths:
        if stop is not None and stop.requested:
            break
        actions += redact_file(path, display_path(path, cwd), root, max_size, allowlist, write)
    return actions


def existing(paths: Iterable[Path]) -> list[Path]:
    """The paths still there (after renames)."""
    return [path for path in paths if os.path.lexists(path)]

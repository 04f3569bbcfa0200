"""The per-file checks of ``recctl check``, on one parse of each file: what a worker process
runs. Kept apart from ``recctl.check`` so that a run the cache answers never imports the
schema engine, the hash schemes or the secret rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from recctl import masking, recorders, secrets, store
from recctl.check import CheckSettings
from recctl.findings import FileResult, Finding
from recctl.parallel import PARALLEL_THRESHOLD
from recctl.schema import Validators
from recctl.validate import load_finding, schema_findings

# The hash and normalization checks import their modules when they run: a run of the secret
# check alone (a pre-commit hook's) does without them.

# The checks whose messages quote values from the file (a schema error, a field's old value):
# those must be masked. A hash finding names only file names and schemes.
QUOTING = frozenset({"schema", "normalization"})
SECRET_ONLY = frozenset({"secret"})


def normalization_findings(display: str, recording: store.Recording) -> list[Finding]:
    from recctl import normalize
    from recctl.locate import locate

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


def hash_findings(display: str, recording: store.Recording, target: str) -> list[Finding]:
    """The hash check: whether the file's name is its request's hash under ``target``."""
    from recctl.hashing import SCHEMES
    from recctl.verdicts import classify, naming_message, word_of

    verdict = classify(recording, display, SCHEMES[target])
    if verdict.status not in ("outdated", "mismatch"):
        return []
    word = word_of(verdict)
    message = naming_message(verdict, word, target)
    if word != "outdated" or verdict.scheme is None:
        return [Finding(display, None, None, None, "hash", message)]
    outdated = (verdict.scheme, verdict.detail)
    return [
        Finding(
            *(display, None, None, None, "hash", message),
            renames_to=verdict.expected,
            outdated=outdated,
        )
    ]


def secret_findings(
    display: str,
    found: Sequence[secrets.Secret],
    allowlist: frozenset[str],
    salt: str | None,
) -> list[Finding]:
    return [
        Finding(
            display,
            secret.line,
            None,
            secret.pointer,
            "secret",
            secret.message(),
            secrets.values_digest(secret.values),
            count=len(secret.values),
        )
        for secret in secrets.not_allowed(found, allowlist, salt)
    ]


def masked(findings: list[Finding], masker: masking.Masker) -> list[Finding]:
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
    path: str | Path, display: str, validators: Validators | None, settings: CheckSettings
) -> FileResult:
    """Every selected check that applies to the file's recorder, on one parse of it (less
    its per-path ignores); the secret check alone parses only what its scan needs."""
    checks = settings.checks_for(path)
    if not checks:
        return FileResult(display)
    try:
        raw = store.read_bytes(path, settings.max_size)
    except store.LoadError as error:
        return FileResult(display, [load_finding(display, error)])
    recorder = recorders.recorder_for(path, raw)
    if checks & recorder.checks == SECRET_ONLY:
        keys = recorder.secrets_in(path, raw, settings.max_size, settings.salt)
        return FileResult(
            display, secret_findings(display, keys, settings.allowlist, settings.salt)
        )
    try:
        fixture = recorder.load(path, raw, settings.max_size)
    except recorders.NotARecording:
        return _foreign(raw, display, checks, settings)
    except store.LoadError as error:
        # Not judged, but a key in it is a key all the same: its text is scanned.
        unread = [load_finding(display, error)]
        return FileResult(display, unread + _foreign(raw, display, checks, settings).findings)
    checks &= recorder.checks
    found = recorder.secrets(fixture, settings.salt) if "secret" in checks else None
    findings: list[Finding] = []
    if validators is not None and "schema" in checks:
        validator = validators.for_file(recorder.schema_file)
        findings += schema_findings(display, fixture, validator, masking.Masker())
    recording = store.Recording(fixture.path, fixture.raw, fixture.data)
    if "hash" in checks:
        try:
            findings += hash_findings(display, recording, settings.target)
        except store.LoadError as error:
            findings.append(load_finding(display, error))
    if "normalization" in checks:
        findings += normalization_findings(display, recording)
    # A schema or normalization message quotes values: masked with the secrets of the file
    # (from the secret check's one scan, else scanned now), only for a file with such findings.
    if any(finding.check in QUOTING for finding in findings):
        to_mask = found if found is not None else recorder.secrets(fixture, settings.salt)
        findings = masked(findings, masking.Masker.of(to_mask))
    if found is not None:
        findings += secret_findings(display, found, settings.allowlist, settings.salt)
    return FileResult(display, findings)


def _foreign(
    raw: bytes, display: str, checks: frozenset[str], settings: CheckSettings
) -> FileResult:
    """A file in a fixture folder that no recorder writes is not judged, but a key in it is
    a key all the same: its text is scanned."""
    if "secret" not in checks:
        return FileResult(display)
    found = secrets.scan_places(raw, None, frozenset(), settings.salt)
    return FileResult(display, secret_findings(display, found, settings.allowlist, settings.salt))


_worker: dict[str, Any] = {}


def init_worker(settings: CheckSettings, files: int = 0) -> None:
    """Prepare this process for checking ``files`` files (before forking: workers inherit
    it): the schema is compiled only here, when some file is to be checked, never on a run
    the cache answers; for a run large enough to fork, the scans' patterns are set up now,
    once."""
    if _worker.get("settings") is settings:
        return  # prepared already (files judged one by one after a damaged cache entry)
    _worker["settings"] = settings
    selected = "schema" in settings.checks
    _worker["validators"] = Validators(settings.schema) if selected else None
    if files >= PARALLEL_THRESHOLD:
        if "secret" in settings.checks:
            secrets.set_up_scans()
        if "hash" in settings.checks:
            from recctl.hashing.canonical import set_up_scans

            set_up_scans()


def check_item(path: str | Path) -> FileResult:
    return check_file(path, str(path), _worker["validators"], _worker["settings"])

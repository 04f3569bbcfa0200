"""``recctl validate``: check recordings against the JSON schema."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from recctl import store
from recctl.cache import ResultCache, cached_map
from recctl.config import NO_PATH_IGNORES, PathIgnores
from recctl.findings import CheckReport, FileResult, Finding
from recctl.locate import locate
from recctl.parallel import process_map
from recctl.schema import SchemaValidator

CHECK = "schema"


def load_finding(display: str, error: store.LoadError) -> Finding:
    """A file that could not be read or parsed, as a schema finding."""
    return Finding(display, error.line, error.column, None, CHECK, error.message)


def schema_findings(
    display: str, recording: store.Recording, validator: SchemaValidator
) -> list[Finding]:
    """Every schema violation of one parsed recording, with line numbers."""
    errors = validator.errors(recording.data)
    if not errors:
        return []
    # orjson turns integers beyond 64 bits into floats: judge a failing file on exact values.
    try:
        errors = validator.errors(store.parse_exact(recording.raw))
    except store.LoadError as failure:
        return [load_finding(display, failure)]
    if not errors:
        return []
    positions = locate(recording.raw, {error.pointer for error in errors})
    # A schema message quotes the value it refuses, which may be a secret.
    from recctl import secrets

    masker = secrets.masker_for(recording.raw, recording.data)
    findings = []
    for error in errors:
        line, column = positions.get(error.pointer, (None, None))
        pointer, message = masker.text(error.pointer), masker.text(error.message)
        findings.append(Finding(display, line, column, pointer, CHECK, message))
    return findings


def validate_file(
    path: str | Path, display: str, validator: SchemaValidator, max_size: int
) -> FileResult:
    """Load and validate one file; a file that cannot be read is one finding."""
    try:
        recording = store.load(path, max_size)
    except store.LoadError as error:
        return FileResult(display, [load_finding(display, error)])
    return FileResult(display, schema_findings(display, recording, validator))


# Per-process state of the workers: forked ones inherit it, spawned ones get it pickled.
_worker: dict[str, Any] = {}


def _init_worker(
    schema: Path | None, max_size: int, ignores: PathIgnores, root: str, run: object
) -> None:
    # Compiled only here: a run the result cache answers never compiles the schema; once
    # per run (files judged one by one after a damaged cache entry ask again).
    if _worker.get("run") is run:
        return
    _worker.update(
        run=run,
        validator=SchemaValidator.from_path(schema),
        max_size=max_size,
        ignores=ignores,
        root=root,
    )


def _validate_item(path: str | Path) -> FileResult:
    if CHECK in _worker["ignores"].ignored_for(path, _worker["root"]):
        return FileResult(str(path))
    return validate_file(path, str(path), _worker["validator"], _worker["max_size"])


def cache_key(schema: Path | None, max_size: int, ignores: PathIgnores) -> str:
    """Everything that can change a verdict of ``validate``, digested."""
    from recctl.cache import file_digest, settings_key
    from recctl.schema import bundled_schema_path

    return settings_key(
        "validate",
        {
            "schema": file_digest(schema or bundled_schema_path()),
            "max_size": max_size,
            "ignores": [[glob, sorted(checks)] for glob, _, checks in ignores.rules],
        },
    )


def validate_paths(
    paths: Sequence[str | Path],
    schema: Path | None,
    max_size: int,
    jobs: int | None = None,
    ignores: PathIgnores = NO_PATH_IGNORES,
    root: str | Path = "",
    cache: ResultCache | None = None,
) -> CheckReport:
    """Validate every file against ``schema`` (None: the bundled one), in path order; one
    file's problem never stops the others. Files whose per-path ignores (globs relative to
    ``root``) hold ``schema`` are skipped; with a cache, unchanged files are not read.

    Findings name files by the paths given: reporters make them relative for display."""
    initargs = (schema, max_size, ignores, str(root), object())

    def run(misses: list[str | Path]) -> Iterator[FileResult]:
        return process_map(_validate_item, misses, jobs, _init_worker, initargs)

    if cache is None:
        return CheckReport.of(run(list(paths)))
    return CheckReport.of(
        cached_map(paths, cache, FileResult.payload, FileResult.from_payload, run)
    )

"""``recctl validate``: check recordings and cassettes against their JSON schemas."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from recctl import masking, recorders, store
from recctl.cache import ResultCache, cached_map
from recctl.config import NO_PATH_IGNORES, PathIgnores
from recctl.findings import CheckReport, FileResult, Finding
from recctl.parallel import process_map
from recctl.schema import SchemaValidator, Validators, schema_files

CHECK = "schema"


def load_finding(display: str, error: store.LoadError) -> Finding:
    """A file that could not be read or parsed, as a schema finding."""
    return Finding(display, error.line, error.column, None, CHECK, error.message)


def schema_findings(
    display: str,
    fixture: recorders.Fixture,
    validator: SchemaValidator,
    masker: masking.Masker | None = None,
) -> list[Finding]:
    """Every schema violation of one parsed file, and every body its recorder could not
    decode, with line numbers (``masker``: the file's secrets, when the caller has them)."""
    recorder = fixture.recorder
    errors = validator.errors(recorder.schema_document(fixture))
    if errors:
        # A failing file is judged again on its exact values (a parser may round numbers).
        try:
            errors = validator.errors(recorder.schema_document(fixture, exact=True))
        except store.LoadError as failure:
            return [load_finding(display, failure)]
    places = [(error.pointer, error.message) for error in errors]
    places += [interaction.problem for interaction in fixture.interactions if interaction.problem]
    if not places:
        return []
    positions = recorder.positions(fixture, {where for where, _ in places})
    # A schema message quotes the value it refuses, which may be a secret.
    if masker is None:
        masker = masking.Masker.of(recorder.secrets(fixture, None))
    findings = []
    for where, message in places:
        line, column = positions.get(where, (None, None))
        findings.append(
            Finding(display, line, column, masker.text(where), CHECK, masker.text(message))
        )
    return findings


def validate_file(
    path: str | Path, display: str, validators: Validators, max_size: int
) -> FileResult:
    """Load and validate one file; a file that cannot be read is one finding, a file no
    recorder writes (a project's own data beside its cassettes) none."""
    try:
        fixture = recorders.load(path, max_size)
    except recorders.NotARecording:
        return FileResult(display)
    except store.LoadError as error:
        return FileResult(display, [load_finding(display, error)])
    validator = validators.for_file(fixture.recorder.schema_file)
    return FileResult(display, schema_findings(display, fixture, validator))


# Per-process state of the workers: forked ones inherit it, spawned ones get it pickled.
_worker: dict[str, Any] = {}


def _init_worker(
    schema: Path | None, max_size: int, ignores: PathIgnores, root: str, run: object
) -> None:
    # Compiled only when a file needs one: a run the result cache answers never compiles a
    # schema; once per run (files judged one by one after a damaged cache entry ask again).
    if _worker.get("run") is run:
        return
    _worker.update(
        run=run,
        validators=Validators(schema),
        max_size=max_size,
        ignores=ignores,
        root=root,
    )


def _validate_item(path: str | Path) -> FileResult:
    if CHECK in _worker["ignores"].ignored_for(path, _worker["root"]):
        return FileResult(str(path))
    return validate_file(path, str(path), _worker["validators"], _worker["max_size"])


def cache_key(schema: Path | None, max_size: int, ignores: PathIgnores) -> str:
    """Everything that can change a verdict of ``validate``, digested."""
    from recctl.cache import file_digest, settings_key

    validators = Validators(schema)
    return settings_key(
        "validate",
        {
            "schema": [file_digest(validators.schema_path(name)) for name in schema_files()],
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

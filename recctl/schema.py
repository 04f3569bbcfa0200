"""The recording schema and the engine that checks files against it.

jsonschema-rs does the checking: on llama-stack's corpus it is about 300x faster than the
pure-Python ``jsonschema`` (see bench/README.md), which keeps ``recctl validate`` close to
the cost of merely parsing the files. The pure-Python package stays as the oracle in a
differential test and as the fallback for any value the Rust engine cannot take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from recctl.errors import UsageError
from recctl.locate import pointer

SCHEMA_FILE = "recording.schema.json"
_MAX_MESSAGE = 240


def bundled_schema_path(name: str = SCHEMA_FILE) -> Path:
    """A schema shipped with recctl (inside the wheel, or ``schemas/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "schemas" / name
    if packaged.is_file():
        return packaged
    return here.parent / "schemas" / name


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where in the document, and what is wrong."""

    pointer: str
    message: str


def _shorten(message: str) -> str:
    message = " ".join(message.split())
    if len(message) <= _MAX_MESSAGE:
        return message
    half = _MAX_MESSAGE // 2 - 2
    return f"{message[:half]} ... {message[-half:]}"


def _depth(error: Any) -> int:
    return len(error.instance_path)


def _best(errors: Iterable[Any]) -> list[Any]:
    """Replace anyOf/oneOf errors by the errors of the alternative that came closest.

    The closest alternative is the one whose errors reach deepest into the instance (it got
    furthest before failing), then the one with fewest errors: the same idea as
    ``jsonschema.exceptions.best_match``, applied recursively.
    """
    result: list[Any] = []
    for error in errors:
        context = getattr(error.kind, "context", None)
        if not context:
            result.append(error)
            continue
        branch = max(
            (alternative for alternative in context if alternative),
            key=lambda alternative: (max(map(_depth, alternative)), -len(alternative)),
            default=None,
        )
        if branch is None or max(map(_depth, branch)) <= _depth(error):
            # No alternative got past the value itself: the summary message says it best.
            result.append(error)
        else:
            result.extend(_best(branch))
    return result


class SchemaValidator:
    """A compiled schema that returns every violation in a document."""

    def __init__(self, schema: Any, source: str) -> None:
        # Imported here: a run the result cache answers never compiles a schema.
        import jsonschema_rs

        self.source = source
        self.schema = schema
        try:
            self._validator = jsonschema_rs.validator_for(schema)
        except jsonschema_rs.ValidationError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "invalid schema"
            raise UsageError(f"{source} is not a valid JSON Schema: {first}") from None

    def __reduce__(self) -> tuple[type[SchemaValidator], tuple[Any, str]]:
        # The compiled engine cannot be pickled: a spawned worker compiles the schema again.
        return (SchemaValidator, (self.schema, self.source))

    @classmethod
    def from_path(cls, path: Path | None = None) -> SchemaValidator:
        path = path or bundled_schema_path()
        from recctl.store import LoadError, read_input

        try:
            schema = orjson.loads(read_input(path))
        except LoadError as error:
            raise UsageError(f"cannot read schema {path}: {error.message}") from None
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"schema {path} is not valid JSON: {exc}") from None
        return cls(schema, str(path))

    def errors(self, data: Any) -> list[SchemaError]:
        """Every violation in ``data``, in document order; empty when it is valid."""
        try:
            if self._validator.is_valid(data):
                return []
            raw_errors = list(self._validator.iter_errors(data))
        except (ValueError, OverflowError, RecursionError):
            return self._errors_by_oracle(data)
        found = {
            (pointer(error.instance_path), _shorten(error.message)): None
            for error in _best(raw_errors)
        }
        return [SchemaError(ptr, message) for ptr, message in found]

    def _errors_by_oracle(self, data: Any) -> list[SchemaError]:
        # Values the Rust engine cannot convert go to the pure-Python validator.
        import jsonschema

        validator = jsonschema.Draft202012Validator(self.schema)
        errors: list[SchemaError] = []
        for error in validator.iter_errors(data):
            best = jsonschema.exceptions.best_match([error])
            errors.append(SchemaError(pointer(best.absolute_path), _shorten(best.message)))
        return errors


def json_ready(value: Any) -> Any:
    """A YAML-loaded document as a JSON validator takes it: bytes (``!!binary``) and
    timestamps as strings, keys as strings (iteratively: no depth exhausts it)."""

    def plain(item: Any) -> Any:
        if isinstance(item, bytes):
            return f"<{len(item)} bytes>"
        if isinstance(item, (str, int, float, bool)) or item is None:
            return item
        return str(item)

    from recctl.walk import mapped

    return mapped(value, plain, lambda key: key if isinstance(key, str) else str(key))


class Validators:
    """The schema of each recorder, compiled on first use; ``override`` (``--schema``)
    replaces the recording schema of llama-stack files."""

    def __init__(self, override: Path | None = None) -> None:
        self.override = override
        self._compiled: dict[str, SchemaValidator] = {}

    def schema_path(self, schema_file: str) -> Path:
        if self.override is not None and schema_file == SCHEMA_FILE:
            return self.override
        return bundled_schema_path(schema_file)

    def for_file(self, schema_file: str) -> SchemaValidator:
        validator = self._compiled.get(schema_file)
        if validator is None:
            validator = SchemaValidator.from_path(self.schema_path(schema_file))
            self._compiled[schema_file] = validator
        return validator


def schema_files() -> list[str]:
    """The schema file of every recorder."""
    from recctl.recorders import RECORDERS

    return sorted({recorder.schema_file for recorder in RECORDERS})

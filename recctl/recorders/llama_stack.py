"""llama-stack (OGX) recordings: one JSON file per request, named by the hash of the
normalized request, ``{test_id, request, response: {body, is_streaming}, ...}``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recctl import store
from recctl.files import LoadError
from recctl.recorders.base import Fixture, Interaction, Position, Recorder

if TYPE_CHECKING:
    from recctl.masking import Masker
    from recctl.secrets import Secret

NOT_A_RECORDING = "not a recording: no request and response objects"


class LlamaStack(Recorder):
    name = "llama-stack"
    noun = "recording"
    folder = "recordings"
    checks = frozenset({"schema", "hash", "normalization", "secret"})
    schema_file = "recording.schema.json"
    hash_named = True
    commands = frozenset(
        {"check", "validate", "fix", "redact", "show", "ls", "rehash", "normalize", "prune"}
        | {"why", "diff", "coverage", "hash"}
    )

    def owns_name(self, name: str) -> bool:
        return name.endswith(".json")

    def load(self, path: str | Path, raw: bytes, max_size: int, exact: bool = False) -> Fixture:
        data = store.parse_exact(raw) if exact else store.parse(raw)
        return Fixture(path, raw, data, self)

    def interactions(self, fixture: Fixture) -> list[Interaction]:
        data = fixture.data if isinstance(fixture.data, dict) else {}
        return [Interaction(0, "", data)]

    def positions(self, fixture: Fixture, pointers: Iterable[str]) -> dict[str, Position]:
        from recctl.locate import locate

        return dict(locate(fixture.raw, pointers))

    def secrets(self, fixture: Fixture, salt: str | None) -> list[Secret]:
        from recctl import secrets

        return secrets.scan_places(fixture.raw, fixture.data, frozenset(), salt)

    def secrets_in(
        self, path: str | Path, raw: bytes, max_size: int, salt: str | None
    ) -> list[Secret]:
        # Most recordings' bytes say all: parsing costs more than the scan, so it waits
        # until the bytes show a url or a stream that the parse can tell more of.
        from recctl import secrets

        return secrets.scan_places(raw, None, frozenset(), salt, parse=_parsed_or_none)

    def redacted(self, fixture: Fixture, found: Sequence[Secret]) -> bytes:
        from recctl.hashing import SCHEMES
        from recctl.redact import redacted_data
        from recctl.verdicts import compute_hashes

        data: Any = fixture.data
        if not isinstance(data, dict):
            raise LoadError("not a recording: nothing to redact")
        redacted = redacted_data(data, found)
        schemes = list(SCHEMES.values())
        # The request hash names the file: a redaction that moved it would break replay.
        if compute_hashes(redacted, schemes).hashes != compute_hashes(data, schemes).hashes:
            raise LoadError("redacting it would change the request hash")
        return store.dumps(redacted)

    def schema_document(self, fixture: Fixture, exact: bool = False) -> Any:
        # orjson turns integers beyond 64 bits into floats: a failing file is judged again
        # on exact values.
        return store.parse_exact(fixture.raw) if exact else fixture.data

    def no_interactions(self, fixture: Fixture) -> str | None:
        data = fixture.data
        request = data.get("request") if isinstance(data, dict) else None
        response = data.get("response") if isinstance(data, dict) else None
        if isinstance(request, dict) and isinstance(response, dict):
            return None
        return NOT_A_RECORDING

    def readable(self, fixture: Fixture, masker: Masker | None) -> bytes:
        # A recording is shown as the JSON it is: secrets masked in their escaped form.
        return fixture.raw if masker is None else masker.raw(fixture.raw)

    def test_name(self, fixture: Fixture) -> str | None:
        data = fixture.data
        test_id = data.get("test_id") if isinstance(data, dict) else None
        return test_id if isinstance(test_id, str) else None


def _parsed_or_none(raw: bytes) -> Any:
    try:
        return store.parse(raw)
    except LoadError:
        return None


RECORDER = LlamaStack()

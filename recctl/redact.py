"""``recctl redact``: secrets outside the hashed request replaced by ``<redacted:KIND>``.

A secret the request hash covers (the body, the url of a raw HTTP call) stays wherever it
appears: redacting it would break replay, so it is reported as "rotate the key, then
re-record".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from recctl import secrets, store
from recctl.interrupt import Interruption

RedactAction = Literal["redacted", "would redact", "re-record", "failed", "unreadable"]


@dataclass(frozen=True)
class Redaction:
    path: str
    action: RedactAction
    secret: secrets.Secret | None
    """None for a file that could not be read (``detail`` says why)."""
    detail: str = ""

    def record(self) -> dict[str, Any]:
        secret = self.secret
        return {
            "path": self.path,
            "action": self.action,
            "kind": secret.kind if secret else None,
            "where": secret.where if secret else None,
            "line": secret.line if secret else None,
            "masked": secret.masked if secret else None,
            "fingerprint": secret.fingerprint if secret else None,
            "detail": self.detail,
        }


def redact_file(
    path: Path, display: str, root: Path, max_size: int, allowlist: frozenset[str], write: bool
) -> list[Redaction]:
    try:
        recording = store.load(path, max_size, exact=True)
    except store.LoadError as error:
        return [Redaction(display, "unreadable", None, error.message)]
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
        except store.WriteError as error:
            return [
                Redaction(display, "failed", action.secret, str(error))
                if action.action == "redacted"
                else action
                for action in actions
            ]
    return actions


def redact_paths(
    paths: Sequence[Path],
    root: Path,
    max_size: int,
    allowlist: frozenset[str],
    write: bool,
    stop: Interruption | None = None,
) -> list[Redaction]:
    actions = []
    for path in paths:
        if stop is not None and stop.requested:
            break
        actions += redact_file(path, str(path), root, max_size, allowlist, write)
    return actions

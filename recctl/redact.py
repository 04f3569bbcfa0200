"""``recctl redact``: secrets outside the hashed request replaced by ``<redacted:KIND>``, in
each file's own format (its recorder writes it back).

A secret the request hash covers (the body, the url of a raw HTTP call) stays wherever it
appears: redacting it would break replay, so it is reported as "rotate the key, then
re-record".
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from recctl import masking, recorders, secrets, store
from recctl.interrupt import Interruption
from recctl.masking import replacer
from recctl.secrets import placeholder
from recctl.split_keys import cut_split_keys
from recctl.urls import split_url

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
            "count": len(secret.values) if secret else None,
            "fingerprint": secret.fingerprint if secret else None,
            "detail": self.detail,
        }


def redact_file(
    path: str | Path,
    display: str,
    root: Path,
    max_size: int,
    allowlist: frozenset[str],
    salt: str | None,
    write: bool,
) -> list[Redaction]:
    """Redact one file (a dry run unless ``write``): every secret outside the hashed request,
    wherever else it stands, in the file's own format, then verified by scanning the result
    once more."""
    try:
        # What a write puts back keeps every integer as it was (the exact parse); what a
        # dry run reports depends on no integer (the fast one).
        fixture = recorders.load(path, max_size, exact=write)
    except recorders.NotARecording:
        return []  # no recorder writes it: check reports its keys, a person removes them
    except store.LoadError as error:
        return [Redaction(display, "unreadable", None, error.message)]
    recorder = fixture.recorder
    found = secrets.not_allowed(recorder.secrets(fixture, salt), allowlist, salt)
    if not found:
        return []
    # A secret the request hash covers stays, wherever else it appears too: redacting it
    # would break replay.
    hashed_values = {value for s in found if s.hashed for value in s.values}
    replaceable = [s for s in found if not hashed_values.issuperset(s.values)]
    actions = [
        Redaction(
            display,
            "re-record"
            if hashed_values.issuperset(secret.values)
            else ("redacted" if write else "would redact"),
            secret,
        )
        for secret in found
    ]
    if not (write and replaceable):
        return actions
    # The writers replace key by key.
    keys = [key for s in replaceable for key in s.each(salt) if key.value not in hashed_values]
    failure: tuple[str, set[str]] | None
    try:
        content = recorder.redacted(fixture, keys)
        failure = _left(fixture, content, keys, salt, allowlist)
    except store.LoadError as error:
        failure = (error.message, {s.value for s in keys})
    if failure is None:
        try:
            store.write(Path(path), content, expected=fixture.raw, root=root)
        except store.WriteError as error:
            failure = (str(error), {s.value for s in keys})
    if failure is None:
        return actions
    detail, left = failure
    return [
        Redaction(display, "failed", action.secret, detail)
        if action.action == "redacted"
        and action.secret
        and not left.isdisjoint(action.secret.values)
        else action
        for action in actions
    ]


def _left(
    fixture: recorders.Fixture,
    content: bytes,
    replaced: Sequence[secrets.Secret],
    salt: str | None,
    allowlist: frozenset[str],
) -> tuple[str, set[str]] | None:
    """Why the redacted bytes must not be written, and which secrets it concerns, or None:
    no replaced secret may be left in them."""
    recorder = fixture.recorder
    # Bounded as the original was: a gzipped cassette may expand as much as it did.
    again = recorder.load(fixture.path, content, max(len(content) + 1, 2**31), exact=True)
    left = {
        value
        for secret in secrets.not_allowed(recorder.secrets(again, salt), allowlist, salt)
        if not secret.hashed
        for value in secret.values
    }
    still = {s.value for s in replaced} & left
    if still:
        return "still in the file after redaction: remove it by hand", still
    return None


def redacted_data(data: dict[str, Any], found: Sequence[secrets.Secret]) -> dict[str, Any]:
    """A copy of a recording with each secret replaced outside the hashed request: headers,
    the url's user info and query, the response (every chunk of a split key), the mapping."""
    ordered = sorted(found, key=lambda secret: -len(secret.value))
    change = replacer(found)

    result = dict(data)
    request = data.get("request")
    if isinstance(request, dict):
        request = dict(request)
        if isinstance(request.get("headers"), dict):
            request["headers"] = masking.map_strings(request["headers"], change)
        if isinstance(request.get("url"), str) and "payload" not in request:
            request["url"] = _redacted_url(request["url"], change)
        result["request"] = request
    if "response" in data:
        response = data["response"]
        if isinstance(response, dict) and isinstance(response.get("body"), list):
            body = cut_split_keys(
                response["body"], ordered, lambda secret: placeholder(secret.kind)
            )
            response = {**response, "body": body}
        result["response"] = masking.map_strings(response, change)
    if "id_normalization_mapping" in data:
        result["id_normalization_mapping"] = masking.map_strings(
            data["id_normalization_mapping"], change
        )
    return result


def _redacted_url(url: str, change: Any) -> str:
    """The url with secrets replaced in its user info, query and fragment; its path, which
    the hash covers, as it was."""
    parts = split_url(url)
    path_start = url.find(parts.path) if parts.path else -1
    if path_start < 0:
        return str(change(url))
    head, path, tail = url[:path_start], parts.path, url[path_start + len(parts.path) :]
    return f"{change(head)}{path}{change(tail)}"


def redact_paths(
    paths: Sequence[str | Path],
    root: Path,
    max_size: int,
    allowlist: frozenset[str],
    salt: str | None,
    write: bool,
    stop: Interruption | None = None,
    jobs: int | None = None,
) -> list[Redaction]:
    """Redact file by file (a dry run unless ``write``) until ``stop``.

    Every file is judged over the cores, as a dry run; with ``write``, this process then
    redacts the files judged to hold a secret it can replace, one at a time, each read and
    scanned again (it may have changed since), so that an interruption stops between two
    files."""
    from recctl.parallel import process_map

    items = list(paths)
    settings = (root, max_size, allowlist, salt)
    # The parses stay in the workers: this process keeps only the actions it reports.
    judged = process_map(_judge_item, items, jobs, _init_judge, settings, False)
    actions: list[Redaction] = []
    with contextlib.closing(judged):
        for path, found in zip(items, judged, strict=True):
            if stop is not None and stop.requested:
                break
            if write and any(action.action == "would redact" for action in found):
                found = redact_file(path, str(path), root, max_size, allowlist, salt, True)
            actions += found
    return actions


_judging: dict[str, Any] = {}


def _init_judge(root: Path, max_size: int, allowlist: frozenset[str], salt: str | None) -> None:
    _judging.update(root=root, max_size=max_size, allowlist=allowlist, salt=salt)


def _judge_item(path: str | Path) -> list[Redaction]:
    settings = _judging
    # A path string: a Path per file would intern every file name for the run.
    return redact_file(
        path,
        str(path),
        settings["root"],
        settings["max_size"],
        settings["allowlist"],
        settings["salt"],
        False,
    )

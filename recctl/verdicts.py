"""The verdict on a recording's name: which scheme's request hash names it, and the one word
every command says of it (``word_of``), with the command that changes it.

Every recording is hashed under the target scheme first, and under the others only when its
name is not the target's: its name then says which scheme (if any) the recorder used, and
whether the target scheme's recorder would find it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from recctl import store
from recctl.hashing import SCHEMES, HashScheme, canonical_json, request_kind, sha256_hex
from recctl.hashing.canonical import Memo, RequestKind, may_be_lossy
from recctl.hashing.names import RecordingName, file_name, models_digest, parse_name

if TYPE_CHECKING:
    from recctl.renames import Rename

Status = Literal["ok", "outdated", "mismatch", "unhashable", "invalid"]
STATUSES: tuple[Status, ...] = ("ok", "outdated", "mismatch", "unhashable", "invalid")
Repair = Literal["rename", "re-record"]

Word = Literal[
    "ok", "outdated", "duplicate", "conflict", "re-record", "mismatch", "unhashable", "invalid"
]
"""The one word every command uses for what a file's name says (``word_of``): a status,
settled against the other files (an outdated file whose target name another file already
holds is a duplicate or a conflict, never a rename)."""
WORDS: tuple[Word, ...] = (
    "ok",
    "outdated",
    "duplicate",
    "conflict",
    "re-record",
    "mismatch",
    "unhashable",
    "invalid",
)
ADVICE: dict[str, str] = {
    "ok": "",
    "outdated": "recctl rehash --write renames it",
    "duplicate": "recctl prune --delete deletes this copy",
    "conflict": "its target name holds another request: no command can; re-record the test, "
    "or delete one of the two",
    "re-record": "no command can: re-record the test",
    "mismatch": "re-record the test; if the stored request is what it sends, "
    "recctl rehash --write --include-mismatch renames it",
    "unhashable": "nothing to do: no scheme hashes these requests",
    "invalid": "recctl validate says why",
}
"""What changes each word: a command that does, or what a person does where none can."""
MEANING: dict[str, str] = {
    "ok": "named by the target scheme",
    "outdated": "named by an older scheme; a rename repairs it",
    "duplicate": "named by an older scheme; another file holds its new name and its request",
    "conflict": "named by an older scheme; another file holds its new name with another request",
    "re-record": "named by an older scheme's layout, or without the test id the target hashes",
    "mismatch": "named by no scheme: replay will never find these",
    "unhashable": "no known hash recipe",
    "invalid": "not readable as a recording",
}

_REC_ID = re.compile(rb'"rec-([0-9a-f]{12})"')


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a recording's name says about its request, under the target scheme."""

    path: str
    status: Status
    scheme: str | None
    """The scheme whose hash the name carries (the newest, when several agree)."""
    expected: str | None
    """The name the target scheme's recorder gives this request."""
    actual: str
    detail: str = ""
    repair: Repair | None = None

    def record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "scheme": self.scheme,
            "expected": self.expected,
            "actual": self.actual,
            "detail": self.detail,
            "repair": self.repair,
        }


@dataclass(frozen=True)
class Hashes:
    """A recording's canonical JSON and hash under each scheme that knows its kind."""

    kind: RequestKind
    canonical: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)


def compute_hashes(
    data: Mapping[str, Any],
    schemes: Sequence[HashScheme],
    memo: Memo | None = None,
    into: Hashes | None = None,
) -> Hashes:
    """Hash ``data`` under every scheme; equal canonical forms are hashed once.

    Pass the ``memo`` and the Hashes of an earlier call on the same data to add schemes.
    """
    request = data.get("request")
    kind = request_kind(request) if isinstance(request, dict) else RequestKind.INFERENCE
    result = into or Hashes(kind)
    memo = memo or Memo()
    seen = {text: result.hashes[name] for name, text in result.canonical.items()}
    for scheme in schemes:
        if scheme.name in result.hashes:
            continue
        canonical = scheme.canonical(data, memo)
        if canonical is None:
            continue
        text = canonical_json(canonical, memo)
        result.canonical[scheme.name] = text
        result.hashes[scheme.name] = seen.get(text) or seen.setdefault(text, sha256_hex(text))
    return result


def hashes_of(recording: store.Recording, target: HashScheme) -> tuple[Any, Memo, Hashes]:
    """The recording's data, memo and target hash, from an exact parse when a fast one may
    have lost an integer beyond 64 bits (the hash would be wrong)."""
    memo = Memo()
    hashes = compute_hashes(recording.data, [target], memo)
    if any(map(may_be_lossy, hashes.canonical.values())):
        data = store.parse_exact(recording.raw)
        memo = Memo()
        return data, memo, compute_hashes(data, [target], memo)
    return recording.data, memo, hashes


def _changes(hashes: Hashes, older: str, newer: str) -> str:
    """What the schemes after ``older`` up to ``newer`` changed in this request's form."""
    names = list(SCHEMES)
    changed = []
    previous = hashes.canonical.get(older)
    for name in names[names.index(older) + 1 : names.index(newer) + 1]:
        text = hashes.canonical.get(name)
        if text is not None and text != previous:
            changed.append(f"{SCHEMES[name].adds} (scheme {name})")
        previous = text if text is not None else previous
    return "; ".join(changed)


def _matching(name: RecordingName, hashes: Hashes) -> list[str]:
    assert name.hash is not None
    return [
        scheme
        for scheme, digest in hashes.hashes.items()
        if len(name.hash) == SCHEMES[scheme].name_length and digest.startswith(name.hash)
    ]


def _recorded_ids_hint(raw: bytes, hashes: Hashes) -> str:
    ids = {match.decode() for match in _REC_ID.findall(raw)}
    for scheme, digest in reversed(hashes.hashes.items()):
        if digest[:12] in ids:
            return (
                f"; its response ids (rec-{digest[:12]}) were made under scheme {scheme}, "
                "so the file was renamed or edited after recording"
            )
    return ""


def classify(recording: store.Recording, display: str, target: HashScheme) -> Verdict:
    """The verdict on one parsed recording."""
    actual = recording.name
    data = recording.data
    if not isinstance(data, dict) or not isinstance(data.get("request"), dict):
        return Verdict(display, "invalid", None, None, actual, "not a recording (no request)")
    # Most names are right: hash under the target first, and under the others only if not.
    data, memo, hashes = hashes_of(recording, target)
    name = parse_name(actual)
    if hashes.kind is RequestKind.FILE_PROCESSOR:
        return Verdict(
            display, "unhashable", None, None, actual, "file-processor requests have no hash recipe"
        )
    if target.name not in hashes.hashes:
        return Verdict(
            display,
            "unhashable",
            None,
            None,
            actual,
            f"scheme {target.name} has no recipe for {hashes.kind.value} requests",
        )
    response = data.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    digest = models_digest(body) if name.models else None
    expected = file_name(hashes.hashes[target.name], target.name_length, digest)
    if not name.is_hash:
        return Verdict(
            display, "mismatch", None, expected, actual, "the file name is not a request hash"
        )
    if actual == expected:
        return Verdict(display, "ok", target.name, expected, actual)
    # Only schemes that write names of this length can have named it (a 12-hex legacy name
    # can only be scheme 1's); the others are not worth hashing.
    assert name.hash is not None
    same_length = [scheme for scheme in SCHEMES.values() if scheme.name_length == len(name.hash)]
    hashes = compute_hashes(data, same_length, memo, hashes)
    matching = _matching(name, hashes)
    if not matching:
        # The response's rec- ids may come from any scheme's hash (a file recorded under
        # scheme 1, renamed since): every scheme is asked, for a mismatch only.
        every = compute_hashes(data, list(SCHEMES.values()), memo, hashes)
        return Verdict(
            display,
            "mismatch",
            None,
            expected,
            actual,
            "no scheme gives this name: the request was edited or the test_id changed"
            + _recorded_ids_hint(recording.raw, every),
        )
    if name.models and name.digest != digest:
        return Verdict(
            display,
            "mismatch",
            matching[-1],
            expected,
            actual,
            f"the hash is scheme {matching[-1]}'s but the model digest is {name.digest}; "
            f"the listed models give {digest}",
        )
    older = [scheme for scheme in matching if scheme != target.name]
    scheme = older[-1] if older else target.name
    detail = _changes(hashes, scheme, target.name) or "the recorder spells this name differently"
    repair: Repair = "rename"
    if "test_id" not in data and '"test_id"' in hashes.canonical[target.name]:
        repair = "re-record"
        detail = (
            f"needs a new recording: it has no test_id, and scheme {target.name} hashes "
            "the test's id"
        )
    elif SCHEMES[scheme].name_length != target.name_length:
        repair = "re-record"
        detail = f"needs a new recording: the recorder no longer reads the scheme-{scheme} layout"
    return Verdict(display, "outdated", scheme, expected, actual, detail, repair)


def classify_file(path: str | Path, display: str, target: HashScheme, max_size: int) -> Verdict:
    try:
        return classify(store.load(path, max_size), display, target)
    except store.LoadError as error:
        return Verdict(display, "invalid", None, None, os.path.basename(path), error.message)


_STATUSES = frozenset(("ok", "outdated", "mismatch", "unhashable", "invalid"))


def verdict_payload(verdict: Verdict) -> list[Any]:
    """A verdict as the result cache keeps it (the path is the cache's key)."""
    return [
        verdict.status,
        verdict.scheme,
        verdict.expected,
        verdict.actual,
        verdict.detail,
        verdict.repair,
    ]


def verdict_of(path: str | Path, payload: Any) -> Verdict | None:
    """A cached verdict named by the path given; None for a payload of the wrong shape."""
    if not isinstance(payload, list) or len(payload) != 6:
        return None
    status, scheme, expected, actual, detail, repair = payload
    if status not in _STATUSES or repair not in (None, "rename", "re-record"):
        return None
    if not all(value is None or isinstance(value, str) for value in (scheme, expected)):
        return None
    if not isinstance(actual, str) or not isinstance(detail, str):
        return None
    return Verdict(str(path), status, scheme, expected, actual, detail, repair)


def word_of(verdict: Verdict, rename: Rename | None = None) -> Word:
    """The word for a verdict, settled by its rename (``repairs``, a dry run or not)."""
    if verdict.status != "outdated":
        return verdict.status
    if verdict.repair == "re-record":
        return "re-record"
    if rename is not None and rename.action in ("duplicate", "conflict"):
        return rename.action
    return "outdated"


def naming_message(verdict: Verdict, word: Word, target: str, rename: Rename | None = None) -> str:
    """How every command words a name that is not ok, with what changes it."""
    notes = [note for note in (verdict.detail, rename.detail if rename else "") if note]
    return (
        f"{word}: the name should be {verdict.expected} under scheme {target}"
        f"{'; ' + '; '.join(notes) if notes else ''}: {ADVICE[word]}"
    )

"""``recctl rehash`` and ``recctl hash``: check file names against request hashes, repair them.

Every recording is hashed under every scheme in the registry; its name then says which
scheme (if any) the recorder used, and whether the target scheme's recorder would find it.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from recctl import masking, store
from recctl.cache import ResultCache, cached_map
from recctl.errors import NotARecordingError, UsageError
from recctl.hashing import SCHEMES, HashScheme, canonical_json, request_kind, sha256_hex
from recctl.hashing.canonical import Memo, RequestKind, may_be_lossy
from recctl.hashing.names import RecordingName, file_name, models_digest, parse_name
from recctl.interrupt import Interruption
from recctl.jsondiff import json_changes, shown
from recctl.parallel import process_map

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


def classify_file(path: Path, display: str, target: HashScheme, max_size: int) -> Verdict:
    try:
        return classify(store.load(path, max_size), display, target)
    except store.LoadError as error:
        return Verdict(display, "invalid", None, None, path.name, error.message)


_worker: dict[str, Any] = {}


def _init_worker(target: str, max_size: int) -> None:
    _worker["target"] = SCHEMES[target]
    _worker["max_size"] = max_size


def _classify_item(path: str | Path) -> Verdict:
    return classify_file(Path(path), str(path), _worker["target"], _worker["max_size"])


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


def cache_key(target: HashScheme, max_size: int) -> str:
    """Everything that can change a verdict of ``rehash``, digested."""
    from recctl.cache import settings_key

    return settings_key("rehash", {"target": target.name, "max_size": max_size})


def rehash_paths(
    paths: Sequence[str | Path],
    target: HashScheme,
    max_size: int,
    jobs: int | None = None,
    cache: ResultCache | None = None,
) -> Iterator[Verdict]:
    """A verdict for every file, in path order, named by the path given; with a cache,
    unchanged files are not read."""

    def run(misses: list[str | Path]) -> Iterator[Verdict]:
        # The verdicts pile up while every file is parsed: the parses stay in the workers.
        return process_map(
            _classify_item,
            misses,
            jobs,
            _init_worker,
            (target.name, max_size),
            parent_works=False,
        )

    if cache is None:
        return run(list(paths))
    return cached_map(paths, cache, verdict_payload, verdict_of, run)


# --- repairs -------------------------------------------------------------------------------

Action = Literal[
    "renamed", "would rename", "completed", "would complete", "duplicate", "conflict", "failed"
]


@dataclass(frozen=True, slots=True)
class Rename:
    """What ``--write`` did (or would do) to one file."""

    verdict: Verdict
    action: Action
    new_path: str | None
    detail: str = ""

    def record(self) -> dict[str, Any]:
        return {
            **self.verdict.record(),
            "action": self.action,
            "new_path": self.new_path,
            "action_detail": self.detail,
        }


def _rewrite_ids(value: Any, old: str, new: str) -> Any:
    """Every ``rec-<old>`` id in the response becomes ``rec-<new>``."""
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, dict):
        return {key: _rewrite_ids(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite_ids(item, old, new) for item in value]
    return value


def word_of(verdict: Verdict, rename: Rename | None = None) -> Word:
    """The word for a verdict, settled by its rename (``repairs``, a dry run or not)."""
    if verdict.status != "outdated":
        return verdict.status
    if verdict.repair == "re-record":
        return "re-record"
    if rename is not None and rename.action in ("duplicate", "conflict"):
        return rename.action
    return "outdated"


def settle(verdicts: Sequence[Verdict], target: HashScheme, root: Path) -> dict[str, Rename]:
    """What a rename would do to each renamable verdict, judged against the files there now
    (``repairs``, as a dry run): the renames ``word_of`` settles the verdicts by."""
    renamable = [v for v in verdicts if v.status == "outdated" and v.repair == "rename"]
    planned = repairs(renamable, target, root, write=False, include_mismatch=False)
    return {rename.verdict.path: rename for rename in planned}


def naming_message(verdict: Verdict, word: Word, target: str, rename: Rename | None = None) -> str:
    """How every command words a name that is not ok, with what changes it."""
    notes = [note for note in (verdict.detail, rename.detail if rename else "") if note]
    return (
        f"{word}: the name should be {verdict.expected} under scheme {target}"
        f"{'; ' + '; '.join(notes) if notes else ''}: {ADVICE[word]}"
    )


def repaired_data(data: dict[str, Any], old_name: RecordingName, new_hash: str) -> dict[str, Any]:
    """The recording as the target recorder would have written it (``store.dumps`` writes
    it out)."""
    repaired = dict(data)
    if old_name.hash is not None and "response" in data:
        repaired["response"] = _rewrite_ids(
            data["response"], f"rec-{old_name.hash[:12]}", f"rec-{new_hash[:12]}"
        )
    return repaired


def _holds(existing: store.Recording, repaired: dict[str, Any]) -> bool:
    """Whether ``existing`` is, byte for byte, ``repaired`` as the recorder writes it. The
    recorder's text is made only when their data are equal: equal bytes parse to equal data,
    but for NaN, which equals nothing (the standard parser gives every NaN one object, which
    containers compare as equal; another parser need not). A dry run over a corpus judges
    hundreds of targets, most of which hold other data: the text (the standard library's
    pure-Python indenting encoder) is written out only for one that may be this file."""
    if existing.data != repaired and b"NaN" not in existing.raw:
        return False
    return existing.raw == store.dumps(repaired)


def repair_file(
    path: Path, verdict: Verdict, target: HashScheme, root: Path, write: bool
) -> Rename:
    """Rename one file to its target name (dry run unless ``write``), never overwriting.

    Another run renaming the same files at once is no failure: whichever creates the target
    first wins, and the other finds its work done.
    """
    assert verdict.expected is not None
    new_path = path.with_name(verdict.expected)
    new_display = str(new_path)
    if not os.path.lexists(new_path) and not write:
        return Rename(verdict, "would rename", new_display)
    new_hash = parse_name(verdict.expected).hash
    assert new_hash is not None
    try:
        recording = store.load(path, exact=True)
    except store.LoadError as error:
        if write and not os.path.lexists(path) and os.path.lexists(new_path):
            return Rename(verdict, "completed", new_display, "another run renamed it")
        return Rename(verdict, "failed", new_display, error.message)
    # The verdict may be older than the file (a scan, a cache): the name must be the one the
    # request in it now hashes to, or the file would be renamed under someone else's hash.
    if compute_hashes(recording.data, [target]).hashes.get(target.name) != new_hash:
        return Rename(
            verdict, "failed", new_display, "the file changed since it was judged; run again"
        )
    repaired = repaired_data(recording.data, parse_name(path.name), new_hash)
    if not os.path.lexists(new_path):  # a dry run returned above: this is --write
        content = store.dumps(repaired)
        try:
            # A rename rewrites the file: one its owner protected is left alone, and the
            # new name keeps the old one's mode (a 0600 file stays 0600).
            mode = store.writable_mode(path)
            store.create(new_path, content, root=root, mode=mode)
        except store.WriteError as error:
            if not os.path.lexists(new_path):
                return Rename(verdict, "failed", new_display, str(error))
            # Another run created the target between the look and the link: judge it below.
        else:
            return _remove_renamed(path, recording, verdict, new_display, root, "renamed", "")
    try:
        existing = store.load(new_path, exact=True)
    except store.LoadError as error:
        return Rename(verdict, "conflict", new_display, f"{new_path.name}: {error.message}")
    if _holds(existing, repaired):
        # An earlier (or a concurrent) run wrote the new file and has not removed the old one.
        if not write:
            return Rename(verdict, "would complete", new_display, "the target is this file")
        detail = "the target already held this file"
        return _remove_renamed(path, recording, verdict, new_display, root, "completed", detail)
    if compute_hashes(existing.data, [target]).hashes.get(target.name) == new_hash:
        return Rename(verdict, "duplicate", new_display, "the target holds the same request")
    return Rename(verdict, "conflict", new_display, "the target holds another request")


def _remove_renamed(
    path: Path,
    recording: store.Recording,
    verdict: Verdict,
    new_display: str,
    root: Path,
    action: Action,
    detail: str,
) -> Rename:
    """The old name goes once the new one holds the file (already gone is fine)."""
    try:
        store.remove(path, store.digest(recording.raw), root=root)
    except store.WriteError as error:
        return Rename(verdict, "failed", new_display, str(error))
    return Rename(verdict, action, new_display, detail)


def repairs(
    verdicts: Sequence[Verdict],
    target: HashScheme,
    root: Path,
    write: bool,
    include_mismatch: bool,
    stop: Interruption | None = None,
) -> Iterator[Rename]:
    """Repair every file that a rename can repair, one file at a time, until ``stop``.

    Two files of one request (recorded under two schemes) both want the same new name: the
    first takes it, the second is a duplicate, in a dry run as in a real one.
    """
    claimed: dict[Path, str] = {}
    for verdict in verdicts:
        if stop is not None and stop.requested:
            return
        renamable = verdict.status == "outdated" and verdict.repair == "rename"
        if include_mismatch and verdict.status == "mismatch" and verdict.expected:
            renamable = True
        if not renamable or verdict.expected is None:
            continue
        path = Path(verdict.path)  # made only for the files a rename repairs
        new_path = path.with_name(verdict.expected)
        if new_path in claimed:
            yield Rename(
                verdict,
                "duplicate",
                str(new_path),
                f"{os.path.basename(claimed[new_path])} takes that name first",
            )
            continue
        rename = repair_file(path, verdict, target, root, write)
        if rename.action in ("renamed", "would rename", "completed", "would complete"):
            claimed[new_path] = verdict.path
        yield rename


@dataclass(frozen=True)
class RehashResult:
    """The verdicts on the files that are not ok, how many are, and what was (or would be)
    renamed. Files that are ok are only counted, so a run over 100,000 files stays small."""

    target: str
    verdicts: list[Verdict]
    """The files that are not ok, in path order."""
    renames: list[Rename]
    write: bool
    ok: int = 0

    @property
    def total(self) -> int:
        return self.ok + len(self.verdicts)

    @functools.cached_property
    def words(self) -> dict[str, tuple[Word, Rename | None]]:
        """Each verdict's word (``word_of``) and rename, by path: what every report says."""
        renames = {rename.verdict.path: rename for rename in self.renames}
        return {
            verdict.path: (word_of(verdict, renames.get(verdict.path)), renames.get(verdict.path))
            for verdict in self.verdicts
        }

    def counts(self) -> Counter[str]:
        """Files by word, ok included."""
        counted: Counter[str] = Counter(word for word, _ in self.words.values())
        counted["ok"] = self.ok
        return counted

    @property
    def problems(self) -> list[Verdict]:
        """Verdicts still not ok once the renames that were done are counted. ``unhashable``
        is no problem: nothing can hash those requests (``check`` agrees)."""
        fixed = {
            rename.verdict.path
            for rename in self.renames
            if rename.action in ("renamed", "completed") and self.write
        }
        failed = {
            rename.verdict.path
            for rename in self.renames
            if rename.action in ("failed", "conflict")
        }
        return [
            verdict
            for verdict in self.verdicts
            if (verdict.status not in ("ok", "unhashable") and verdict.path not in fixed)
            or verdict.path in failed
        ]


def rehash(
    paths: Sequence[str | Path],
    target: HashScheme,
    root: Path,
    max_size: int,
    jobs: int | None,
    write: bool,
    include_mismatch: bool,
    stop: Interruption | None = None,
    cache: ResultCache | None = None,
    each_ok: Callable[[Verdict], None] | None = None,
) -> RehashResult:
    """Classify every file, then rename (or plan to rename) the ones a rename repairs; writes
    stay inside ``root``. Verdicts that are ok go to ``each_ok`` as they come (a reporter
    streaming them), and are otherwise only counted."""
    kept: list[Verdict] = []
    # The files of one re-recording share their details: one string kept for all of them.
    details: dict[str, str] = {}
    ok = 0
    for verdict in rehash_paths(paths, target, max_size, jobs, cache):
        if verdict.status == "ok":
            ok += 1
            if each_ok is not None:
                each_ok(verdict)
        else:
            detail = details.setdefault(verdict.detail, verdict.detail)
            kept.append(verdict if detail is verdict.detail else replace(verdict, detail=detail))
    renames = list(repairs(kept, target, root, write, include_mismatch, stop))
    return RehashResult(target.name, kept, renames, write, ok)


# --- hash and explain -----------------------------------------------------------------------


@dataclass(frozen=True)
class HashResult:
    hash: str
    canonical: str


_REQUEST_KEYS = (("method", "url"), ("payload",), ("tool_name",), ("api", "file_id"))


def as_recording(document: Any, test_id: str | None, no_test_id: bool) -> dict[str, Any]:
    """The recording to hash: the document itself, or a bare request wrapped in one."""
    if not isinstance(document, dict):
        raise NotARecordingError("not a recording or a request: expected a JSON object")
    recording = dict(document) if "request" in document else {"request": document}
    request = recording.get("request")
    if not isinstance(request, dict) or not any(
        all(key in request for key in keys) for keys in _REQUEST_KEYS
    ):
        raise NotARecordingError(
            "not a recording or a request: a request has method and url, payload, or tool_name"
        )
    if test_id is not None:
        recording["test_id"] = test_id
    elif no_test_id:
        recording["test_id"] = None
    elif "request" not in document:
        recording["test_id"] = document.get("test_id")
    return recording


def hash_request(
    source: str,
    raw: bytes | None,
    target: HashScheme,
    test_id: str | None,
    max_size: int,
    no_test_id: bool = False,
) -> HashResult:
    """The hash of a recording file, or of a recording or bare request given as bytes.

    A scheme that hashes the test's id needs one: from the input, ``test_id``, or
    ``no_test_id`` to hash it without; a silent null would give a hash no test replays."""
    try:
        raw = store.read_bytes(Path(source), max_size) if raw is None else raw
        document = store.parse_exact(raw)
    except store.LoadError as error:
        where = f":{error.line}" if error.line else ""
        raise UsageError(f"{source}{where}: {error.message}") from None
    recording = as_recording(document, test_id, no_test_id)
    hashes = compute_hashes(recording, [target])
    missing = not isinstance(recording.get("test_id"), str) and not no_test_id
    if missing and '"test_id"' in hashes.canonical.get(target.name, ""):
        raise UsageError(
            f"{source}: the input has no test id, and scheme {target.name} hashes it: pass "
            "--test-id ID, or --no-test-id to hash it without one"
        )
    if target.name not in hashes.hashes:
        kind = hashes.kind.value
        raise UsageError(f"scheme {target.name} has no hash recipe for {kind} requests")
    masker = masking.masker_for(raw, document)
    return HashResult(hashes.hashes[target.name], masker.text(hashes.canonical[target.name]))


def explain_file(
    path: Path, display: str, target: HashScheme, max_size: int, full: bool = False
) -> str:
    """One file's verdict, the target scheme's canonical form, then what each other form
    hashed differs from it (with ``full``, every form whole)."""
    try:
        recording = store.load(path, max_size, exact=True)
    except store.LoadError as error:
        raise UsageError(f"{display}: {error.message}") from None
    verdict = classify(recording, display, target)
    lines = [
        f"{display}: {verdict.status}"
        + (f" (scheme {verdict.scheme})" if verdict.scheme else "")
        + f", target scheme {target.name}",
        f"  actual:   {verdict.actual}",
        f"  expected: {verdict.expected}",
    ]
    if verdict.detail:
        lines.append(f"  {verdict.detail}")
    if isinstance(recording.data, dict):
        hashes = compute_hashes(recording.data, list(SCHEMES.values()))
        forms: dict[str, list[str]] = {}
        for scheme, text in hashes.canonical.items():
            forms.setdefault(text, []).append(scheme)
        masker = masking.masker_for(recording.raw, recording.data)
        target_text = hashes.canonical.get(target.name)
        target_form = json.loads(target_text) if target_text is not None else None
        # The target first, then the others newest first.
        ordered = sorted(forms.items(), key=lambda item: target.name not in item[1])
        for text, schemes in ordered:
            digest = hashes.hashes[schemes[0]]
            marks = " (target)" if target.name in schemes else ""
            lines.append(f"\nschemes {', '.join(schemes)}{marks}: {digest}")
            form = json.loads(text)
            if full or target_form is None:
                lines.append(masker.text(json.dumps(form, indent=2, sort_keys=True)))
            elif target.name not in schemes:
                for where, before, after in json_changes(target_form, form)[:20]:
                    lines.append(
                        masker.text(f"  {where}: {shown(after, 80)} (target: {shown(before, 80)})")
                    )
        if not full and target_form is not None:
            lines.append("\n(recctl rehash --explain --full prints every canonical form whole)")
    return "\n".join(lines) + "\n"

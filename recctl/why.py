"""``recctl why``: why replay missed a request hash, without re-recording.

Replay says ``Recording not found for request hash: 5e3f…``. The answer is one of: a file of
that hash exists but not where replay looks (another test's folder, the legacy layout), the
test's recordings were made by an older hash scheme, or the request changed. Given the live
request, recctl hashes it under every scheme and shows what changed against the nearest
recording of the same test and endpoint, as the hash sees it (its canonical form).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recctl import masking, store
from recctl.diff import value_words
from recctl.discovery import (
    RECORDINGS_DIR,
    expected_dir,
    fixture_dirs_below,
    walk_fixtures,
)
from recctl.errors import UsageError
from recctl.hashing import SCHEMES, HashScheme
from recctl.hashing.canonical import url_parts
from recctl.hashing.names import parse_name
from recctl.jsondiff import kinds_of_changes
from recctl.project import Project
from recctl.rehash import as_recording
from recctl.verdicts import classify, compute_hashes

_HASH = re.compile(r"[0-9a-f]{8,64}")
NEAREST_CHANGES = 30


@dataclass(frozen=True)
class Located:
    """A file whose name carries the hash."""

    path: str
    name: str
    """``full``, ``legacy`` (12 hex digits) or ``models`` (a listing)."""
    placed: bool | None
    """Whether it is where replay looks (None: no test id to tell)."""
    status: str
    """Its hash verdict under the target scheme."""
    note: str


@dataclass(frozen=True)
class TestRecording:
    path: str
    endpoint: str | None
    model: str | None
    scheme: str | None
    """The scheme that gives its name (None: none does)."""
    status: str


@dataclass(frozen=True)
class SchemeHash:
    scheme: str
    hash: str
    matches: bool


@dataclass(frozen=True)
class Change:
    pointer: str
    kind: str
    """``added``, ``removed`` or ``changed``."""
    old: Any
    new: Any


@dataclass(frozen=True)
class Nearest:
    path: str
    similarity: float
    changes: list[Change]
    more: int
    """Changes beyond those listed."""


@dataclass
class WhyReport:
    hash: str
    test_id: str | None
    target: str
    looks_in: str | None
    """The directory replay reads for this test (None without a test id)."""
    located: list[Located] = field(default_factory=list)
    recordings: list[TestRecording] = field(default_factory=list)
    endpoint: str | None = None
    model: str | None = None
    request_hashes: list[SchemeHash] | None = None
    nearest: Nearest | None = None
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    """Every folder replay reads for this test: its own, then the shared fallback."""
    endpoint_matched: bool = True
    """Whether ``recordings`` are the test's at ``endpoint`` (else: all of the test's)."""
    verdict: str = ""
    """What explains the miss, in a word: found, misplaced, legacy, misnamed, changed,
    older-scheme, other-request, missing."""
    conclusion: str = ""
    """The same as a sentence that names what to do."""

    @property
    def found(self) -> bool:
        """Whether a file of the hash is where replay looks: then the miss is elsewhere."""
        return any(item.placed for item in self.located)

    @property
    def matching_schemes(self) -> list[str]:
        return [item.scheme for item in self.request_hashes or [] if item.matches]


SHARED_FOLDER = "common"


def replay_folders(root: Path, test_id: str | None) -> list[Path]:
    """Every folder replay reads for a test: ``recordings/`` beside its test file, then the
    area's shared ``common/recordings`` (model listings and shared set-up), where it exists."""
    own = expected_dir(root, test_id)
    if own is None:
        return []
    shared = own.parent.parent / SHARED_FOLDER / RECORDINGS_DIR
    return [own, shared] if shared != own and shared.is_dir() else [own]


def _named_by(path: str, hash_hex: str) -> bool:
    """Whether a file's name carries the hash (a legacy 12-hex name matches a prefix either
    way)."""
    name = parse_name(os.path.basename(path))
    if name.hash is None:
        return False
    if len(name.hash) == 12:
        return hash_hex.startswith(name.hash) or name.hash.startswith(hash_hex)
    return name.hash.startswith(hash_hex)


def _own_test_id(paths: list[str], max_size: int) -> str | None:
    """The test id the files of the hash hold (a recording names its own test)."""
    for path in paths:
        try:
            data = store.load(path, max_size).data
        except store.LoadError:
            continue
        if isinstance(data, dict) and isinstance(data.get("test_id"), str):
            return str(data["test_id"])
    return None


def _files(root: Path) -> Iterator[str]:
    for directory in fixture_dirs_below(str(root), "why"):
        yield from walk_fixtures(directory, "why")


def _same_place(directory: str, expected: Path) -> bool:
    return os.path.realpath(directory) == os.path.realpath(expected)


def _locate(path: str, hash_hex: str, folders: list[Path], target: HashScheme) -> Located | None:
    if not _named_by(path, hash_hex):
        return None
    name = parse_name(os.path.basename(path))
    assert name.hash is not None
    kind = "legacy" if len(name.hash) == 12 else "models" if name.models else "full"
    directory = os.path.dirname(path)
    placed = None if not folders else any(_same_place(directory, folder) for folder in folders)
    try:
        status = classify(store.load(path), path, target).status
    except store.LoadError as error:
        status = "invalid"
        return Located(path, kind, placed, status, error.message)
    notes = []
    if kind == "legacy":
        notes.append(
            "legacy layout (recordings/responses/, 12-hex name): the recorder no longer reads it"
        )
        placed = None if not folders else False  # never read, wherever it lies
    if kind == "models":
        notes.append("a model listing: replay merges every models-<hash>-*.json of the hash")
    if placed is False and kind != "legacy":
        notes.append("not where replay looks for this test")
    if status != "ok":
        notes.append(f"its request hashes to another name under scheme {target.name} ({status})")
    return Located(path, kind, placed, status, "; ".join(notes))


def _model(request: dict[str, Any]) -> str | None:
    body = request.get("body")
    model = body.get("model") if isinstance(body, dict) else request.get("model")
    return model if isinstance(model, str) else None


def _endpoint(request: dict[str, Any]) -> str | None:
    url = request.get("url")
    if isinstance(url, str) and url:
        return url_parts(url)[0]
    endpoint = request.get("endpoint")
    return endpoint if isinstance(endpoint, str) else None


def _scheme_order(name: str | None) -> int:
    names = list(SCHEMES)
    return -names.index(name) if name in names else 1


def _canonical(data: dict[str, Any], target: HashScheme) -> Any:
    form = compute_hashes(data, [target]).canonical.get(target.name)
    return json.loads(form) if form is not None else None


def _changes(old: Any, new: Any) -> list[Change]:
    return [Change(*change) for change in kinds_of_changes(old, new)]


def why(
    hash_hex: str,
    project: Project,
    target: HashScheme,
    test_id: str | None = None,
    request: tuple[str, bytes] | None = None,
    max_size: int = store.DEFAULT_MAX_FILE_SIZE,
) -> WhyReport:
    """Explain a replay miss of ``hash_hex``; ``request`` is the live request (its source
    name and bytes: a bare request or a recording)."""
    hash_hex = hash_hex.strip().lower().removesuffix(".json")
    if not _HASH.fullmatch(hash_hex):
        raise UsageError(f"{hash_hex}: a request hash is 8 to 64 hex digits")
    live: dict[str, Any] | None = None
    masker = masking.Masker.of(())
    if request is not None:
        source, raw = request
        try:
            document = store.parse_exact(raw)
        except store.LoadError as error:
            raise UsageError(f"{source}: {error.message}") from None
        live = as_recording(document, test_id, no_test_id=False)
        if test_id is None and isinstance(live.get("test_id"), str):
            test_id = live["test_id"]
        masker = masking.masker_for(raw, document)
    root = project.root
    files = list(_files(root))
    if test_id is None:
        # No test named: the files of the hash name their own.
        test_id = _own_test_id([path for path in files if _named_by(path, hash_hex)], max_size)
    looks_in = expected_dir(root, test_id)
    folders = replay_folders(root, test_id)
    report = WhyReport(
        hash_hex,
        test_id,
        target.name,
        str(looks_in) if looks_in is not None else None,
        folders=[str(folder) for folder in folders],
    )
    live_request = live.get("request") if live else None
    if isinstance(live_request, dict):
        report.endpoint, report.model = _endpoint(live_request), _model(live_request)
    needle = json.dumps(test_id)[1:-1].encode() if test_id else None
    candidates: list[tuple[TestRecording, dict[str, Any], bytes]] = []
    for path in files:
        located = _locate(path, hash_hex, folders, target)
        if located is not None:
            report.located.append(located)
        if needle is None:
            continue
        try:
            raw_file = store.read_bytes(path, max_size)
            if needle not in raw_file:
                continue  # not this test's: no parse
            recording = store.Recording(Path(path), raw_file, store.parse(raw_file))
        except store.LoadError as error:
            report.unreadable.append((path, error.message))
            continue
        data = recording.data
        if not isinstance(data, dict) or data.get("test_id") != test_id:
            continue
        request_data = data.get("request")
        if not isinstance(request_data, dict):
            continue
        verdict = classify(recording, path, target)
        candidates.append(
            (
                TestRecording(
                    path,
                    _endpoint(request_data),
                    _model(request_data),
                    verdict.scheme,
                    verdict.status,
                ),
                data,
                raw_file,
            )
        )
    if report.endpoint is not None:
        same = [item for item in candidates if item[0].endpoint == report.endpoint]
        report.endpoint_matched = bool(same) or not candidates
        candidates = same or candidates
    candidates.sort(key=lambda item: (_scheme_order(item[0].scheme), item[0].path))
    report.recordings = [item[0] for item in candidates]
    if live is not None:
        hashes = compute_hashes(live, list(SCHEMES.values()))
        report.request_hashes = [
            SchemeHash(name, digest, digest.startswith(hash_hex) or hash_hex.startswith(digest))
            for name, digest in reversed(hashes.hashes.items())
        ]
        report.nearest = _nearest(live, candidates, target, masker)
    report.located.sort(key=lambda item: (not item.placed, item.path))
    report.verdict, report.conclusion = conclude(report, project)
    return report


def conclude(report: WhyReport, project: Project) -> tuple[str, str]:
    """What explains the miss, first: a word and a sentence that names what to do."""
    where = " or ".join(f"{project.relative(folder)}/" for folder in report.folders)
    placed = [item for item in report.located if item.placed]
    if placed:
        return "found", (
            f"{project.relative(placed[0].path)} is where replay looks: the miss lies elsewhere "
            "(another root, configuration or recorder version ran the test)"
        )
    readable = [item for item in report.located if item.name != "legacy"]
    if readable:
        moved = project.relative(readable[0].path)
        if not where:
            return "misplaced", (
                f"{moved} holds this hash; name the test (--test-id) to see where replay looks"
            )
        return "misplaced", (
            f"{moved} holds this hash, but replay looks in {where}: move it there "
            "(recctl prune lists it as misplaced)"
        )
    if report.located:
        return "legacy", (
            f"only the legacy layout holds this hash ({project.relative(report.located[0].path)}),"
            " which the recorder no longer reads: re-record the test"
        )
    if report.request_hashes is not None:
        matching = report.matching_schemes
        if not matching:
            return "other-request", (
                "the request given does not hash to the missed hash under any scheme: it is "
                "not the request replay missed"
            )
        if report.target not in matching:
            return "older-scheme", (
                f"the missed hash is scheme {', '.join(matching)}'s: the replaying recorder is "
                f"older than the target (scheme {report.target}); upgrade it, or pass --scheme"
            )
        nearest = report.nearest
        if nearest is not None and not nearest.changes:
            return "misnamed", (
                f"{project.relative(nearest.path)} holds this very request under another name: "
                "rename it (recctl rehash --write)"
            )
        if nearest is not None:
            first = nearest.changes[0]
            return "changed", (
                f"the request changed since {project.relative(nearest.path)} was recorded "
                f"({first.pointer} {first.kind}): re-record the test"
            )
    test = report.test_id or "the test"
    if report.recordings:
        return "missing", (
            f"no file of this hash, and {len(report.recordings)} other recording(s) of {test}: "
            "pass the live request (--request FILE) to see what changed"
        )
    return "missing", f"no recording of {test}{' in ' + where if where else ''}: record it"


def _nearest(
    live: dict[str, Any],
    candidates: list[tuple[TestRecording, dict[str, Any], bytes]],
    target: HashScheme,
    masker: masking.Masker,
) -> Nearest | None:
    """The recording of the same test and endpoint whose request shares most words with the
    live one, and what the hash sees differ (their canonical forms under the target)."""
    request = live.get("request")
    if not isinstance(request, dict) or not candidates:
        return None
    words = value_words(request, ())
    endpoint = _endpoint(request)
    best: tuple[float, str, dict[str, Any], bytes] | None = None
    for item, data, raw in candidates:
        if endpoint is not None and item.endpoint != endpoint:
            continue
        other = value_words(data["request"], ())
        union = words | other
        score = len(words & other) / len(union) if union else 1.0
        if best is None or score > best[0]:
            best = (score, item.path, data, raw)
    if best is None:
        return None
    score, path, data, raw = best
    old, new = _canonical(data, target), _canonical(live, target)
    changes = _changes(old, new)
    shown = [
        Change(change.pointer, change.kind, masker.data(change.old), masker.data(change.new))
        for change in changes[:NEAREST_CHANGES]
    ]
    recorded = masking.masker_for(raw, data)
    shown = [
        Change(change.pointer, change.kind, recorded.data(change.old), recorded.data(change.new))
        for change in shown
    ]
    return Nearest(path, round(score, 2), shown, max(0, len(changes) - NEAREST_CHANGES))

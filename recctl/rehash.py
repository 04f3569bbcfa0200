"""``recctl rehash`` and ``recctl hash``: check file names against request hashes over the
cores (``recctl.verdicts``), repair them (``recctl.renames``), and hash or explain one request.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from recctl import masking, store
from recctl.cache import ResultCache, cached_map
from recctl.errors import NotARecordingError, UsageError
from recctl.hashing import SCHEMES, HashScheme
from recctl.interrupt import Interruption
from recctl.jsondiff import json_changes, shown
from recctl.parallel import process_map
from recctl.renames import Rename, Settlements, repairs
from recctl.verdicts import (
    Verdict,
    Word,
    classify,
    classify_file,
    compute_hashes,
    verdict_of,
    verdict_payload,
    word_of,
)

_worker: dict[str, Any] = {}


def _init_worker(target: str, max_size: int) -> None:
    _worker["target"] = SCHEMES[target]
    _worker["max_size"] = max_size


def _classify_item(path: str | Path) -> Verdict:
    # A path string: a Path per file would intern every file name for the run.
    return classify_file(path, str(path), _worker["target"], _worker["max_size"])


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
    unchanged files are not read, and the caller writes the cache (``rehash`` keeps its
    settlements there too)."""

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
    return cached_map(paths, cache, verdict_payload, verdict_of, run, save=False)


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
    # A dry run keeps what it read two files to settle; a write reads them anew.
    settlements = None if write else Settlements.of(cache)
    renames = list(repairs(kept, target, root, write, include_mismatch, stop, settlements))
    if cache is not None:
        cache.save()
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

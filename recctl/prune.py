"""``recctl prune``: recordings that replay can never reach, and safe deletion of them.

Reasons, each with a detail a reviewer can check:

- ``orphan``: the test named by test_id is gone: no such file under the project root, no
  such function or class in it (read with ``ast``, never imported), or, given the collected
  node ids, no such parametrized id.
- ``unreachable``: no hash scheme names the file (``mismatch``), or it is in the legacy
  layout, which the recorder no longer reads. ``outdated`` files are not stale: a rename
  repairs them (``recctl rehash --write``).
- ``misplaced``: not in ``<test file's dir>/recordings/``, where the recorder looks.
- ``duplicate``: the same request in several places; the one the recorder finds first stays.
- ``unused``: given usage logs of replay runs (``pytest --recctl-used``), no test opened it.
- ``unplayed``: given usage logs with VCR.py's play counts, an interaction of a cassette that
  no test played (the cassette's tail a re-record left behind).

VCR.py cassettes are judged by their test's name (``recctl.recorders.vcr_tests``): an
``orphan`` is a cassette whose test is gone.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from recctl import masking, store
from recctl.discovery import RECORDINGS_DIR, display_path, expected_dir
from recctl.errors import UsageError
from recctl.hashing import HashScheme
from recctl.hashing.canonical import recorded_endpoint
from recctl.hashing.names import parse_name
from recctl.interrupt import Interruption
from recctl.parallel import process_map
from recctl.project import Project, real_path
from recctl.renames import settle
from recctl.test_source import definitions
from recctl.usage import UsageLog
from recctl.verdicts import Repair, Verdict, classify, word_of

Reason = Literal["orphan", "unreachable", "misplaced", "duplicate", "unused", "unplayed"]


@dataclass(frozen=True, slots=True)
class Stale:
    path: str
    reason: Reason
    detail: str
    size: int
    digest: str
    """sha256 of the bytes read: deletion refuses a file that changed since."""
    interaction: int | None = None
    """For ``unplayed``: the interaction of the cassette no test played (0-based)."""

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"path": self.path, "reason": self.reason}
        if self.interaction is not None:
            record["interaction"] = self.interaction
        record["detail"] = self.detail
        return record


@dataclass(frozen=True)
class Variant:
    """Several reachable recordings of one test and endpoint whose requests differ only in
    drifting values: the signature of hash drift, which makes replays flaky."""

    test_id: str
    endpoint: str
    paths: list[str]

    def record(self) -> dict[str, Any]:
        return {"test_id": self.test_id, "endpoint": self.endpoint, "paths": self.paths}


@dataclass(frozen=True)
class Withheld:
    """Orphan and misplaced verdicts left out because the root looks wrong: the test files of
    most recordings are missing under it."""

    root: str
    missing: int
    """Recordings whose test file is not under the root."""
    with_test_id: int


@dataclass
class PruneReport:
    stale: list[Stale] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    outdated: int = 0
    """Outdated files a rename repairs (``rehash``'s word outdated): not stale."""
    conflicts: int = 0
    """Outdated files whose new name another request holds (``rehash``'s word conflict)."""
    unjudged: Counter[str] = field(default_factory=Counter)
    """With usage logs: recordings no run can vouch for, by why (their test never ran, was
    skipped or failed): neither used nor unused."""
    contributions: list[Any] = field(default_factory=list)
    """With usage logs: what each log brought (``usage.Contribution``)."""
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    """Files that could not be read, with why: findings, never silently skipped."""
    withheld: Withheld | None = None
    deleted: list[Stale] = field(default_factory=list)
    failed: list[tuple[Stale, str]] = field(default_factory=list)
    undetermined: Counter[str] = field(default_factory=Counter)
    """Cassettes whose test recctl cannot tell, by why (a fixture moves them)."""
    named_only: int = 0
    """With usage logs: cassettes a test opened whose play counts no run logged."""


class TestIndex:
    """What tests exist: files, their top-level functions and classes, collected node ids."""

    def __init__(self, root: Path, collected: set[str] | None) -> None:
        self.root = root
        self.collected = collected
        self._definitions: dict[str, set[str] | None] = {}
        self._files: dict[str, bool] = {}

    def _defined(self, file: str) -> set[str] | None:
        if file not in self._definitions:
            path = self.root / file
            try:
                tree = ast.parse(store.read_bytes(path), filename=str(path))
            except (store.LoadError, SyntaxError, ValueError):
                self._definitions[file] = None
            else:
                names, _ = definitions(tree)
                # Test ids write a method as Class::method.
                self._definitions[file] = {name.replace(".", "::") for name in names}
        return self._definitions[file]

    def has_file(self, test_id: str) -> bool:
        """Whether the test file of ``test_id`` exists under the root."""
        file = test_id.partition("::")[0]
        if file not in self._files:
            self._files[file] = (self.root / file).is_file()
        return self._files[file]

    def missing(self, test_id: str) -> str | None:
        """Why the test is gone, or None if it is there."""
        file, _, rest = test_id.partition("::")
        if self.collected is not None:
            return None if test_id in self.collected else "not collected by pytest"
        if not self.has_file(test_id):
            return f"{file} does not exist"
        names = self._defined(file)
        if names is None:
            return f"{file} cannot be parsed"
        function = rest.split("[", 1)[0]
        if function and function not in names and function.split("::", 1)[0] not in names:
            return f"{file} defines no {function}"
        return None


def read_node_ids(path: Path) -> set[str]:
    """Node ids, one a line, as ``pytest --collect-only -q`` prints them."""
    try:
        lines = store.read_text(path).splitlines()
    except store.LoadError as error:
        raise UsageError(f"cannot read {path}: {error.message}") from None
    return {line.strip() for line in lines if "::" in line and not line.startswith(" ")}


def collect_node_ids(arguments: str, root: Path) -> set[str]:
    """Run ``pytest --collect-only -q ARGS`` in the project root and read the node ids."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", *shlex.split(arguments)]
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 5):
        raise UsageError(
            f"pytest collection failed ({completed.returncode}): {completed.stderr[-400:]}"
        )
    return {line.strip() for line in completed.stdout.splitlines() if "::" in line}


@functools.lru_cache(maxsize=4096)
def _real(directory: str) -> str:
    """A directory's real path, once per directory (not once per file)."""
    return os.path.realpath(directory)


def _legacy(path: str) -> bool:
    folder = os.path.dirname(path)
    return (
        os.path.basename(folder) == "responses"
        and os.path.basename(os.path.dirname(folder)) == RECORDINGS_DIR
    )


_DRIFT = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|\b(?:call|chatcmpl|msg|file|resp|run|vs|toolu)[-_][A-Za-z0-9]+"  # provider ids
    r"|rec-[0-9a-f]{12}"
    r"|-?\d+\.\d+(?:[eE][-+]?\d+)?"  # scores, timestamps with fractions
    r"|\b\d{9,}\b"  # epoch seconds
)


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the verdicts need of one readable file, and no more: a corpus of 100,000 files
    is held as 100,000 of these."""

    path: str
    status: str
    repair: Repair | None
    """How an outdated file is repaired (rename, re-record), as rehash says."""
    expected: str | None
    """The name the target scheme gives; empty when it is the file's own (most files: a
    string fewer per file)."""
    detail: str
    """Why no scheme gives the name: only for a mismatch, else empty."""
    test_id: str | None
    endpoint: str | None
    """Only when variants are asked for, else None."""
    request_text: str
    """The request as JSON: only when variants are asked for, else empty."""
    size: int
    digest: str
    """Of the bytes read: only when a deletion will compare them, else empty."""

    def stale(self, reason: Reason, detail: str) -> Stale:
        # The detail quotes the test id, which a careless test can fill with a key.
        return Stale(self.path, reason, masking.mask_text(detail), self.size, self.digest)


def _read(path: str, target: HashScheme, max_size: int, variants: bool, digests: bool) -> _Seen:
    """What the verdicts need of one file, and no more: the request's text only for
    ``variants``, the digest of its bytes only for a deletion (``digests``). Raises
    LoadError for a file that cannot be read."""
    recording = store.load(path, max_size)
    verdict = classify(recording, str(path), target)
    data = recording.data if isinstance(recording.data, dict) else {}
    request = data.get("request") if isinstance(data.get("request"), dict) else {}
    assert isinstance(request, dict)
    test_id = data.get("test_id") if isinstance(data.get("test_id"), str) else None
    return _Seen(
        str(path),
        verdict.status,
        verdict.repair,
        "" if verdict.expected == os.path.basename(path) else verdict.expected,
        verdict.detail if verdict.status == "mismatch" else "",
        test_id,
        recorded_endpoint(request) if variants else None,
        json.dumps(request, sort_keys=True) if variants else "",
        len(recording.raw),
        store.digest(recording.raw) if digests else "",
    )


_worker: dict[str, Any] = {}


def _init_worker(target: str, max_size: int, variants: bool, digests: bool) -> None:
    from recctl.hashing import SCHEMES

    _worker.update(target=SCHEMES[target], max_size=max_size, variants=variants, digests=digests)


def _read_item(path: str) -> _Seen | tuple[str, str]:
    """A file's facts, or (path, why it cannot be read)."""
    worker = _worker
    try:
        # A path string: a Path per file would intern every file name for the run.
        return _read(
            path,
            worker["target"],
            worker["max_size"],
            worker["variants"],
            worker["digests"],
        )
    except store.LoadError as error:
        return (path, error.message)


def _cassette_stale(
    paths: Sequence[str],
    project: Project,
    max_size: int,
    report: PruneReport,
    used: UsageLog | None,
) -> list[Stale]:
    """The cassettes whose test is gone, by pytest-recording's naming rules; those whose
    test recctl cannot tell are counted in ``report.undetermined``, never flagged. With
    usage logs, a cassette no test opened is ``unused`` and an interaction no test played
    ``unplayed``."""
    from recctl import recorders
    from recctl.recorders.vcr_tests import TestModules

    modules = TestModules(project.root)
    orphans: list[tuple[str, str]] = []
    live: list[str] = []
    gone = 0
    for path in paths:
        verdict = modules.verdict(path)
        if verdict is None:
            live.append(path)
            continue
        kind, why = verdict
        if kind == "unknown":
            report.undetermined[why] += 1
            continue
        gone += why.endswith("does not exist")
        orphans.append((path, why))
    if paths and gone * 2 > len(paths):
        # Most modules missing: the root looks wrong, as for recordings.
        report.withheld = report.withheld or Withheld(str(project.root), gone, len(paths))
        return []
    stale = []
    judged: list[tuple[str, Reason | None, str]] = [(path, "orphan", why) for path, why in orphans]
    if used is not None:
        judged += [(path, None, "") for path in live]
    runs = plural_runs(used) if used is not None else ""
    for path, reason, why in judged:
        try:
            fixture = recorders.load(path, max_size)
        except recorders.NotARecording:
            continue  # another tool's file: not a cassette, never pruned
        except store.LoadError as error:
            report.unreadable.append((path, error.message))
            continue
        test = fixture.recorder.test_name(fixture) or ""
        raw = fixture.raw
        found = functools.partial(Stale, path, size=len(raw), digest=store.digest(raw))
        if reason is not None:
            stale.append(found(reason, f"{test}: {why}"))
            continue
        assert used is not None
        key = project.key(path)
        if not used.used(key):
            node = modules.node_id(path)
            unjudged = used.unjudged(node, project.key(os.path.dirname(path)))
            if unjudged is not None:
                report.unjudged[unjudged] += 1
            else:
                stale.append(found("unused", f"no test opened it in {runs}"))
            continue
        plays = used.plays(key)
        if plays is None:
            report.named_only += 1  # opened, but no run counted its plays
            continue
        for index in range(len(fixture.interactions)):
            if index >= len(plays) or plays[index] == 0:
                detail = f"interaction {index}: no test played it in {runs}"
                # The file stays: no bytes of it are counted as stale.
                stale.append(found("unplayed", detail, interaction=index, size=0))
    return stale


def find_stale(
    paths: Sequence[str | Path],
    target: HashScheme,
    project: Project,
    max_size: int,
    collected: set[str] | None = None,
    variants: bool = False,
    used: UsageLog | None = None,
    jobs: int | None = None,
    digests: bool = False,
) -> PruneReport:
    """Every stale recording with its reason, judged against the project root; with
    ``variants``, the groups of drifting variants too; with ``used``, every reachable
    recording that no logged run opened is ``unused``. Files are read on every core;
    ``digests`` (for a deletion to come) keeps a digest of each file's bytes."""
    from recctl.recorders import named

    root = project.root
    report = PruneReport()
    index = TestIndex(root, collected)
    seen: list[_Seen] = []
    initargs = (target.name, max_size, variants, digests)
    # Files named by their request's hash are judged by it; cassettes by their test's name.
    by_test = [str(path) for path in paths if not _hash_named(named(str(path)))]
    names = [str(path) for path in paths if _hash_named(named(str(path)))]
    test_ids: dict[str, str] = {}
    # The facts pile up while every file is parsed: the parses stay in the workers.
    results = process_map(_read_item, names, jobs, _init_worker, initargs, parent_works=False)
    for name, item in zip(names, results, strict=True):
        if isinstance(item, tuple):
            report.unreadable.append(item)
            continue
        # The workers' copies of the path and the test id give way to one string each (the
        # path as discovered, one per test however many recordings it has).
        test_id = item.test_id and test_ids.setdefault(item.test_id, item.test_id)
        seen.append(replace(item, path=name, test_id=test_id))
    tested = sum(1 for item in seen if item.test_id)
    missing = sum(1 for item in seen if item.test_id and not index.has_file(item.test_id))
    if missing * 2 > tested:
        report.withheld = Withheld(str(root), missing, tested)
    # A file a logged run opened is never stale, whatever its name or place says: the
    # replay read it (a recorder that names files its own way).
    opened = {item.path for item in seen if used.used(project.key(item.path))} if used else set()
    # A run that opened files no hash scheme names has a recorder that names them its own
    # way: what the names say (unreachable) is then no evidence, only the logs are.
    own_names = any(item.status == "mismatch" for item in seen if item.path in opened)
    reachable: list[_Seen] = []
    for item in seen:
        stale = None
        if item.path not in opened and not (own_names and item.status == "mismatch"):
            stale = _stale_reason(item, index, root, report.withheld is None)
        if stale is not None:
            report.stale.append(stale)
            continue
        reachable.append(item)
    duplicates = [stale for stale in _duplicates(reachable, project) if stale.path not in opened]
    report.stale.extend(duplicates)
    flagged = {stale.path for stale in duplicates}
    if used is not None:
        runs = plural_runs(used)
        for item in reachable:
            # An outdated file is not read until renamed: a repair, not a deletion.
            if item.status == "outdated" or item.path in flagged or item.path in opened:
                continue
            # Only what a run can vouch for is judged: a test that ran and passed.
            why = used.unjudged(item.test_id, project.key(os.path.dirname(item.path)))
            if why is not None:
                report.unjudged[why] += 1
                continue
            report.stale.append(item.stale("unused", f"no test opened it in {runs}"))
            flagged.add(item.path)
    # Outdated files are not stale: a rename repairs them, unless another request holds
    # their new name (a conflict), as rehash settles them.
    outdated = [
        Verdict(item.path, "outdated", None, item.expected or None, "", "", item.repair)
        for item in reachable
        if item.status == "outdated" and item.path not in flagged and item.expected
    ]
    renames = settle(outdated, target, root)
    words = Counter(word_of(verdict, renames.get(verdict.path)) for verdict in outdated)
    report.outdated = words["outdated"]
    report.conflicts = words["conflict"]
    if used is not None:
        report.contributions = list(used.contributions)
    if variants:
        report.variants = _variants([item for item in reachable if item.status == "ok"])
    if by_test:
        report.stale.extend(_cassette_stale(by_test, project, max_size, report, used))
    report.stale.sort(key=lambda stale: (stale.path, stale.interaction or 0))
    return report


def _hash_named(recorder: Any) -> bool:
    """Whether a file's recorder names it by its request's hash (a file of no recorder is
    judged as a recording: it is reported unreadable or unreachable)."""
    return recorder is None or bool(recorder.hash_named)


def plural_runs(used: UsageLog) -> str:
    logs = len(used.logs)
    tests = sum(1 for test in used.tests if test)
    return f"{logs} usage log{'s' if logs != 1 else ''} ({tests} test{'s' if tests != 1 else ''})"


def _stale_reason(item: _Seen, index: TestIndex, root: Path, judge_tests: bool) -> Stale | None:
    """Why ``item`` is stale, or None. Without ``judge_tests`` (a root that looks wrong),
    nothing that depends on where the tests are is said."""
    stale = item.stale
    # Strings, not a Path per file: pathlib interns every part of every path it parses
    # (the file names too), a table that grew by a megabyte at 10,000 files.
    path = item.path
    if _legacy(path) and parse_name(os.path.basename(path)).hash is not None:
        return stale(
            "unreachable", "legacy layout (recordings/responses/): the recorder no longer reads it"
        )
    if item.status == "mismatch":
        return stale("unreachable", item.detail)
    # Recordings outside any test (shared set-up, model lists) are never orphans.
    if item.test_id and judge_tests:
        why = index.missing(item.test_id)
        if why is not None:
            return stale("orphan", f"{item.test_id}: {why}")
        expected = expected_dir(root, item.test_id)
        assert expected is not None
        if _real(os.path.dirname(path)) != _real(str(expected)):
            where = display_path(expected, root)
            return stale("misplaced", f"the recorder looks for it in {where}/")
    return None


def _duplicates(items: Iterable[_Seen], project: Project) -> list[Stale]:
    groups: dict[str, list[_Seen]] = {}
    for item in items:
        name = parse_name(os.path.basename(item.path))
        if item.expected is None or name.models:
            continue  # model lists that share a hash are merged on replay
        expected = item.expected or os.path.basename(item.path)
        groups.setdefault(expected, []).append(item)
    stale = []
    for group in groups.values():
        if len(group) < 2:
            continue
        # The recorder finds the file named by the target hash first, then the first by path.
        # Names relative to the root: a detail must not depend on the current directory.
        keeper = min(group, key=lambda item: (item.status != "ok", project.relative(item.path)))
        # One detail string for the whole group (a replicated corpus has thousands).
        detail = masking.mask_text(f"the same request as {project.relative(keeper.path)}")
        # A file is never its own duplicate, whatever paths name it (discovery keeps one
        # path per file; this holds for any caller).
        kept = real_path(keeper.path)
        for item in group:
            if item is not keeper and real_path(item.path) != kept:
                stale.append(Stale(item.path, "duplicate", detail, item.size, item.digest))
    return stale


# Listings of models: replay merges every file of one hash, so several are no drift.
MODEL_LISTINGS = frozenset({"/v1/models", "/api/tags", "/v1/openai/v1/models"})


def _variants(items: Iterable[_Seen]) -> list[Variant]:
    groups: dict[tuple[str, str], list[_Seen]] = {}
    for item in items:
        if item.endpoint in MODEL_LISTINGS or parse_name(os.path.basename(item.path)).models:
            continue
        if item.test_id and item.endpoint:
            groups.setdefault((item.test_id, item.endpoint), []).append(item)
    variants = []
    for (test_id, endpoint), group in sorted(groups.items()):
        if len(group) < 2:
            continue
        shapes: dict[str, list[str]] = {}
        for item in group:
            shapes.setdefault(_DRIFT.sub("~", item.request_text), []).append(item.path)
        for paths in shapes.values():
            if len(paths) > 1:
                variants.append(Variant(test_id, endpoint, sorted(paths)))
    return variants


def delete(
    report: PruneReport,
    root: Path,
    stop: Interruption | None = None,
    interactions: bool = False,
    max_size: int = store.DEFAULT_MAX_FILE_SIZE,
) -> None:
    """Delete exactly the stale files listed, each only if unchanged since it was read and
    only inside ``root``; with ``interactions``, rewrite each cassette without its unplayed
    interactions too. Orphans are never deleted while the root looks wrong."""
    tails: dict[str, list[Stale]] = {}
    for stale in report.stale:
        if stop is not None and stop.requested:
            return
        if report.withheld is not None and stale.reason in ("orphan", "misplaced"):
            continue  # not reported either; defensive: such a verdict never reaches here
        if stale.reason == "unplayed":
            if interactions:
                tails.setdefault(stale.path, []).append(stale)
            continue
        try:
            store.remove(Path(stale.path), stale.digest, root=root)
        except store.WriteError as error:
            report.failed.append((stale, str(error)))
            continue
        report.deleted.append(stale)
    for path, unplayed in tails.items():
        if stop is not None and stop.requested:
            return
        _cut_tail(Path(path), unplayed, report, root, max_size)


def _cut_tail(
    path: Path, unplayed: list[Stale], report: PruneReport, root: Path, max_size: int
) -> None:
    """Rewrite one cassette without its unplayed interactions, in its own format, only if it
    is unchanged since it was read."""
    from recctl import recorders

    try:
        fixture = recorders.load(path, max_size)
        if store.digest(fixture.raw) != unplayed[0].digest:
            raise store.WriteError(f"{path} changed since it was read; not rewriting it")
        drop = [stale.interaction for stale in unplayed if stale.interaction is not None]
        content = fixture.recorder.without_interactions(fixture, drop)
        store.write(path, content, expected=fixture.raw, root=root)
    except (store.LoadError, store.WriteError) as error:
        message = error.message if isinstance(error, store.LoadError) else str(error)
        report.failed.extend((stale, message) for stale in unplayed)
        return
    report.deleted.extend(unplayed)

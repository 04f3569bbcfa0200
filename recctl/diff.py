"""``recctl diff``: what a change really did to the recordings, in one screen.

Sides are two files, two directories, or git revisions (and the work tree or the index). In
git mode only what changed is read: ``git diff --name-status`` with rename detection names
the files, and one ``git cat-file --batch`` process reads every blob.

Pairs are classified ignoring recorder noise (``rec-`` ids, ``created``, Ollama durations,
``obfuscation``, ``system_fingerprint``): ``identical``, ``noise-only``, or ``changed`` with
what changed in the request, the answer (a word-level diff of the reassembled text, tool
calls, finish reason), the usage and the chunk count. A removed and an added recording of
the same test and endpoint with different requests are a re-recording: ``renamed``.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from recctl import masking, store
from recctl.discovery import walk_fixtures
from recctl.errors import UsageError
from recctl.git import git, revision, run_git
from recctl.hashing.canonical import recorded_endpoint
from recctl.jsondiff import kinds_of_changes

Status = Literal["identical", "noise-only", "changed", "added", "removed", "renamed"]
STATUSES: tuple[Status, ...] = ("changed", "renamed", "added", "removed", "noise-only", "identical")
DEFAULT_NOISE = (
    "rec-id",
    "created",
    "created_at",
    "*_duration",
    "obfuscation",
    "system_fingerprint",
)


class Side:
    """One version of one recording: its bytes given (a git blob), or read from ``source``
    when asked and let go after (``release``), so that a diff of two directories holds one
    pair of files at a time, not both trees."""

    __slots__ = ("_masked", "_raw", "path", "source")

    def __init__(self, path: str, raw: bytes | None = None, source: str | None = None) -> None:
        self.path = path
        self.source = source
        self._raw = raw
        self._masked: Any = _UNPARSED

    @property
    def raw(self) -> bytes:
        """The bytes; raises LoadError for a file that cannot be read."""
        if self._raw is None:
            assert self.source is not None
            self._raw = store.read_bytes(Path(self.source))
        return self._raw

    def data(self) -> Any:
        """The parsed recording with its secrets masked: every value a diff shows comes from
        here. Parsed and scanned once while held (pairing and classifying both ask)."""
        if self._masked is _UNPARSED:
            try:
                data = store.parse(self.raw)
            except store.LoadError:
                self._masked = None
            else:
                self._masked = masking.masker_for(self.raw, data).data(data)
        return self._masked

    def release(self) -> None:
        """Let go of the bytes and the parse when they can be read again."""
        if self.source is not None:
            self._raw = None
            self._masked = _UNPARSED


_UNPARSED = object()


@dataclass
class Pair:
    status: Status
    old: Side | None
    new: Side | None
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def path(self) -> str:
        side = self.new or self.old
        assert side is not None
        return side.path

    @property
    def meaningful(self) -> bool:
        return self.status not in ("identical", "noise-only")

    def record(self) -> dict[str, Any]:
        paths: dict[str, Any] = {"path": self.path}
        if self.old and self.new and self.old.path != self.new.path:
            paths = {"old_path": self.old.path, "new_path": self.new.path}
        return {**paths, "status": self.status, "changes": self.changes}


# --- reading the sides ----------------------------------------------------------------------


def _is_recording(path: str) -> bool:
    """Whether a path git names is a file of a recorder diff reads (a recording, a
    cassette), by its folder."""
    from recctl.discovery import recorders_for
    from recctl.recorders import owner_of

    # git's own path, as it is: the directories above the repository say nothing.
    return owner_of(path.split("/")) in recorders_for("diff")


@dataclass
class DiffReport:
    """The pairs, and the files that could not be read (each a finding)."""

    pairs: list[Pair] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    same: Counter[str] = field(default_factory=Counter)
    """Pairs judged the same (identical, noise-only) of a diff of two directories, counted
    rather than kept: they went to ``each_same`` as they came."""

    def counts(self) -> Counter[str]:
        """How many pairs of each status, kept or counted."""
        counts: Counter[str] = Counter(pair.status for pair in self.pairs)
        counts.update(self.same)
        return counts

    @property
    def total(self) -> int:
        return len(self.pairs) + sum(self.same.values())


def _names(directory: Path) -> Iterator[str]:
    """The recordings below ``directory``, relative to it."""
    prefix = str(directory).rstrip(os.sep) + os.sep
    return (path.removeprefix(prefix) for path in walk_fixtures(str(directory), "diff"))


def _pair_dirs(
    first: Path,
    second: Path,
    noise: Sequence[str],
    report: DiffReport,
    each_same: Callable[[Pair], None] | None,
    *,
    target: str | None = None,
) -> None:
    """Two directories, one pair of files in memory at a time: the same paths are compared
    as they come; a pair judged the same is counted and handed to ``each_same``, not kept."""
    # One copy of each name: a name of both trees is the first tree's string, taken out of
    # its table as the second tree's walk meets it (two sets held every name twice).
    only_old = {name: name for name in _names(first)}
    both: list[str] = []
    only_new: list[str] = []
    for relative in _names(second):
        known = only_old.pop(relative, None)
        if known is None:
            only_new.append(relative)
        else:
            both.append(known)
    both.sort()
    unreadable = report.unreadable
    pairs = []
    for path in both:
        sides = Side(path, source=str(first / path)), Side(path, source=str(second / path))
        pair = _compared(*sides, noise, unreadable, target=target)
        if pair is None:
            continue
        if pair.meaningful:
            pairs.append(pair)
            continue
        report.same[pair.status] += 1
        if each_same is not None:
            name = Side(path)
            each_same(Pair(pair.status, name, name))
    removed = {p: Side(p, source=str(first / p)) for p in sorted(only_old)}
    added = {p: Side(p, source=str(second / p)) for p in sorted(only_new)}
    pairs += pair_sides(removed, added, (), noise, unreadable, target=target)
    report.pairs = _ordered(pairs)


def _ordered(pairs: list[Pair]) -> list[Pair]:
    """Most meaningful first: by status, then the most changes, then by path."""
    order = {status: index for index, status in enumerate(STATUSES)}
    return sorted(pairs, key=lambda pair: (order[pair.status], -len(pair.changes), pair.path))


def _readable(side: Side, unreadable: list[tuple[str, str]]) -> bool:
    """Whether the side's bytes can be had; a file that cannot be read is a finding."""
    try:
        side.raw  # noqa: B018 - reads and keeps the bytes
    except store.LoadError as error:
        unreadable.append((side.source or side.path, error.message))
        return False
    return True


def _git(args: Sequence[str], cwd: Path, input: bytes | None = None) -> bytes:
    return git(args, cwd, input, why="recctl diff needs it to compare revisions")


def revision_error(name: str, cwd: Path) -> str:
    """What git says of a name that is no revision (ambiguous: with its candidates)."""
    completed = run_git(["rev-parse", "--verify", "--end-of-options", f"{name}^{{commit}}"], cwd)
    message = completed.stderr.decode("utf-8", "replace").strip()
    return message or f"{name}: not a revision"


def split_range(argument: str, cwd: Path) -> tuple[str, str] | None:
    """``A..B`` (or ``A...B``: from their merge base), as git reads ranges."""
    if "..." in argument:
        left, right = argument.split("...", 1)
        left, right = (revision(side or "HEAD", "range side") for side in (left, right))
        base = _git(["merge-base", "--end-of-options", left, right], cwd).decode().strip()
        return base, right
    if ".." in argument:
        left, right = argument.split("..", 1)
        return revision(left or "HEAD", "range side"), revision(right or "HEAD", "range side")
    return None


def is_revision(name: str, cwd: Path) -> bool:
    if shutil.which("git") is None or name.startswith("-"):
        return False  # no git to ask; or git would read it as an option
    completed = run_git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"], cwd
    )
    return completed.returncode == 0


def read_blobs(specs: Sequence[str], cwd: Path) -> dict[str, bytes]:
    """Blobs by ``REV:path`` (or ``:path`` for the index), through one ``git cat-file``."""
    if not specs:
        return {}
    output = _git(["cat-file", "--batch"], cwd, "".join(f"{spec}\n" for spec in specs).encode())
    blobs: dict[str, bytes] = {}
    position = 0
    for spec in specs:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) < 3 or header[-1] == b"missing":
            continue
        size = int(header[2])
        blobs[spec] = output[position : position + size]
        position += size + 1
    return blobs


@dataclass(frozen=True)
class Change:
    status: str
    old: str | None
    new: str | None


def git_changes(
    old_rev: str | None, new_rev: str | None, staged: bool, paths: Sequence[str], cwd: Path
) -> list[Change]:
    """Changed recordings between two revisions, a revision and the work tree, or HEAD and
    the index, with git's rename detection."""
    args = ["diff", "--name-status", "-M", "-z"]
    if staged:
        args.append("--cached")
    args += ["--end-of-options", *(rev for rev in (old_rev, new_rev) if rev)]
    args += ["--", *paths]
    fields = _git(args, cwd).split(b"\0")
    changes = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index].decode()
        if status.startswith(("R", "C")):
            old, new = fields[index + 1].decode(), fields[index + 2].decode()
            index += 3
            changes.append(Change(status[0], old, new))
        else:
            path = fields[index + 1].decode()
            index += 2
            changes.append(
                Change(status[0], None if status == "A" else path, None if status == "D" else path)
            )
    if new_rev is None and not staged:
        # The work tree as git status shows it: untracked files are added ones.
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--", *paths], cwd)
        changes += [Change("A", None, path.decode()) for path in untracked.split(b"\0") if path]
    return [c for c in changes if any(p and _is_recording(p) for p in (c.old, c.new))]


def git_sides(
    old_rev: str | None, new_rev: str | None, staged: bool, paths: Sequence[str], cwd: Path
) -> tuple[dict[str, Side], dict[str, Side], list[tuple[str, str]]]:
    """The old and new sides of every changed recording, and git's renames."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    changes = git_changes(old_rev, new_rev, staged, paths, cwd)
    old_spec = f"{old_rev or 'HEAD'}:"
    new_spec = f"{new_rev}:" if new_rev else (":" if staged else None)
    specs = [old_spec + c.old for c in changes if c.old]
    if new_spec is not None:
        specs += [new_spec + c.new for c in changes if c.new]
    blobs = read_blobs(specs, top)
    old: dict[str, Side] = {}
    new: dict[str, Side] = {}
    renames = []
    for change in changes:
        if change.old and old_spec + change.old in blobs:
            old[change.old] = Side(change.old, blobs[old_spec + change.old])
        if change.new:
            if new_spec is not None and new_spec + change.new in blobs:
                new[change.new] = Side(change.new, blobs[new_spec + change.new])
            elif new_spec is None and (top / change.new).is_file():
                new[change.new] = Side(change.new, source=str(top / change.new))
        if change.status == "R" and change.old and change.new:
            renames.append((change.old, change.new))
    return old, new, renames


# --- classification -------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _noise_matcher(noise: tuple[str, ...]) -> tuple[bool, re.Pattern[str]]:
    patterns = [fnmatch.translate(pattern) for pattern in noise if pattern != "rec-id"]
    return "rec-id" in noise, re.compile("|".join(patterns) or r"(?!)")


def without_noise(value: Any, noise: Sequence[str], response_object: bool = False) -> Any:
    """A copy of ``value`` without the noise fields; ``__data__`` objects are response objects.

    "rec-id" stands for the id the recorder gives a response object (rec-<hash>), whatever
    it was before normalization, and for any rec- id elsewhere.
    """
    rec_id, pattern = _noise_matcher(tuple(noise))
    return _without(value, rec_id, pattern, response_object)


def _without(value: Any, rec_id: bool, pattern: re.Pattern[str], response_object: bool) -> Any:
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if (
                key == "id"
                and rec_id
                and (response_object or (isinstance(item, str) and item.startswith("rec-")))
            ):
                continue
            if pattern.match(key):
                continue
            kept[key] = (
                _without(item, rec_id, pattern, key == "__data__")
                if isinstance(item, (dict, list))
                else item
            )
        return kept
    if isinstance(value, list):
        return [
            _without(item, rec_id, pattern, False) if isinstance(item, (dict, list)) else item
            for item in value
        ]
    return value


def _short(value: Any, limit: int = 120) -> Any:
    text = value if isinstance(value, str) else None
    if text is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    if isinstance(value, (dict, list)):
        dumped = json.dumps(value, ensure_ascii=False)
        return dumped if len(dumped) <= limit else dumped[: limit - 1] + "…"
    return value


# deepdiff recurses several frames a level: past this depth the requests are compared key
# by key at the top instead.
DEEPDIFF_DEPTH = 64


def depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _deep_changes(old: Any, new: Any) -> list[dict[str, Any]]:
    """The changed places of requests too deep for deepdiff, as ``json_changes`` finds them."""
    changes = []
    for key, kind, before, after in kinds_of_changes(old, new)[:20]:
        changes.append(
            {
                "what": "request",
                "kind": kind,
                "key": key,
                "old": _short(before),
                "new": _short(after),
            }
        )
    return changes


def request_changes(old: Any, new: Any) -> list[dict[str, Any]]:
    """Which keys of two requests (already without noise) changed, with old and new values
    (deepdiff)."""
    if max(depth(old), depth(new)) > DEEPDIFF_DEPTH:
        return _deep_changes(old, new)
    from deepdiff import DeepDiff

    found = DeepDiff(old, new, view="tree", verbose_level=2)
    changes = []
    for kind, items in found.items():
        for item in items:
            where = item.path(output_format="list")
            changes.append(
                {
                    "what": "request",
                    "kind": kind.replace("dictionary_item_", "").replace("iterable_item_", "item_"),
                    "key": "/" + "/".join(map(str, where)),
                    "old": _short(item.t1)
                    if item.t1 is not None and not _missing(item.t1)
                    else None,
                    "new": _short(item.t2)
                    if item.t2 is not None and not _missing(item.t2)
                    else None,
                }
            )
    return sorted(changes, key=lambda change: change["key"])[:20]


def _missing(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"


def word_diff(old: str, new: str, context: int = 4) -> dict[str, Any]:
    """A word-level diff: counts, and the changed words with a little context."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    added = removed = 0
    pieces = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        before = " ".join(a[max(0, i1 - context) : i1])
        pieces.append(
            f"…{before} [-{' '.join(a[i1:i2])}-]{{+{' '.join(b[j1:j2])}+}}".replace(
                "[--]", ""
            ).replace("{++}", "")
        )
    return {
        "added_words": added,
        "removed_words": removed,
        "similarity": round(matcher.ratio(), 3),
        "diff": pieces[:5],
    }


def answer_changes(old: Any, new: Any) -> list[dict[str, Any]]:
    from recctl.formats import reassemble

    a, b = reassemble(old), reassemble(new)
    changes: list[dict[str, Any]] = []
    if (a.text or "") != (b.text or ""):
        changes.append({"what": "answer", **word_diff(a.text or "", b.text or "")})
    old_calls = [asdict(call) for call in a.tool_calls]
    new_calls = [asdict(call) for call in b.tool_calls]
    strip = [{k: v for k, v in call.items() if k != "id"} for call in old_calls]
    if strip != [{k: v for k, v in call.items() if k != "id"} for call in new_calls]:
        changes.append({"what": "tool_calls", "old": old_calls, "new": new_calls})
    if a.finish_reason != b.finish_reason:
        changes.append({"what": "finish_reason", "old": a.finish_reason, "new": b.finish_reason})
    old_usage, new_usage = asdict(a.usage), asdict(b.usage)
    deltas = {
        key: {
            "old": old_usage[key],
            "new": new_usage[key],
            "delta": (new_usage[key] or 0) - (old_usage[key] or 0),
        }
        for key in old_usage
        if old_usage[key] != new_usage[key]
    }
    if deltas:
        changes.append({"what": "usage", **deltas})
    if a.chunks != b.chunks:
        changes.append({"what": "chunks", "old": a.chunks, "new": b.chunks})
    return changes


_RANK = {
    "test_id": 0,
    "request": 1,
    "answer": 2,
    "tool_calls": 3,
    "finish_reason": 4,
    "usage": 5,
    "chunks": 6,
    "mapping": 7,
}


def classify(
    old: Side,
    new: Side,
    noise: Sequence[str],
    renamed: bool = False,
    *,
    target: str | None = None,
) -> Pair:
    if old.raw == new.raw:
        return Pair("renamed" if renamed else "identical", old, new)
    from recctl.diff_cassette import cassette_changes, is_cassette

    if is_cassette(old.path) and is_cassette(new.path):
        found = cassette_changes(old.raw, new.raw, old.path, new.path, noise)
        if found is None:
            detail = "not readable as a cassette on one side"
            return Pair("changed", old, new, [{"what": "file", "detail": detail}])
        if not found:
            return Pair("renamed" if renamed else "noise-only", old, new)
        return Pair("renamed" if renamed else "changed", old, new, found)
    a, b = old.data(), new.data()
    if a is None or b is None:
        return Pair(
            "changed", old, new, [{"what": "file", "detail": "not readable as JSON on one side"}]
        )
    clean_a, clean_b = without_noise(a, noise), without_noise(b, noise)
    if clean_a == clean_b:
        return Pair("renamed" if renamed else "noise-only", old, new)
    changes: list[dict[str, Any]] = []
    if isinstance(clean_a, dict) and isinstance(clean_b, dict):
        if clean_a.get("test_id") != clean_b.get("test_id"):
            changes.append(
                {"what": "test_id", "old": clean_a.get("test_id"), "new": clean_b.get("test_id")}
            )
        if clean_a.get("request") != clean_b.get("request"):
            changed = request_changes(clean_a.get("request"), clean_b.get("request"))
            changes += hash_moves(old, new, changed, target)
        changes += answer_changes(a, b)
        mapping = "id_normalization_mapping"
        if clean_a.get(mapping) != clean_b.get(mapping):
            changes.append(_mapping_change(clean_a.get(mapping), clean_b.get(mapping)))
        answered = any(change["what"] in _ANSWER for change in changes)
        for key in sorted((set(clean_a) | set(clean_b)) - {"test_id", "request", mapping}):
            before, after = clean_a.get(key), clean_b.get(key)
            if before == after or (key == "response" and answered):
                continue
            if key == "response":
                changes.append({"what": "response", "detail": "the response differs"})
            else:
                changes.append({"what": str(key), "old": _short(before), "new": _short(after)})
    changes = [change for change in changes if _has_content(change)]
    if not changes:  # the pair differs: say at least where
        changes.append({"what": "file", "detail": "the documents differ beyond noise"})
    changes.sort(key=lambda change: _RANK.get(change["what"], 9))
    return Pair("renamed" if renamed else "changed", old, new, changes)


_ANSWER = frozenset({"answer", "tool_calls", "finish_reason", "usage", "chunks"})


def _mapping_change(old: Any, new: Any) -> dict[str, Any]:
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    change: dict[str, Any] = {
        "what": "mapping",
        "added": sorted(set(after) - set(before))[:10],
        "removed": sorted(set(before) - set(after))[:10],
        "changed": sorted(key for key in set(before) & set(after) if before[key] != after[key])[
            :10
        ],
    }
    if not (change["added"] or change["removed"] or change["changed"]):
        # Not a table of ids on one side (absent, null, another type): say what it was.
        change.update(old=_short(old), new=_short(new))
    return change


def _has_content(change: dict[str, Any]) -> bool:
    """Whether a change row says anything (a row that names a change and shows nothing is
    noise to a reviewer)."""
    return any(value not in (None, [], "") for key, value in change.items() if key != "what") or (
        "old" in change or "new" in change
    )


def hash_moves(
    old: Side, new: Side, changes: list[dict[str, Any]], target: str | None
) -> list[dict[str, Any]]:
    """Each request change with ``hash``: whether it alone moves the target scheme's request
    hash (``moves``: replay looks for another file) or not (``stays``)."""
    from recctl.hashing import get_scheme
    from recctl.verdicts import compute_hashes

    scheme = get_scheme(target)
    try:
        before, after = store.parse_exact(old.raw), store.parse_exact(new.raw)
    except store.LoadError:
        return changes
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return changes

    def digest(document: dict[str, Any]) -> str | None:
        return compute_hashes(document, [scheme]).hashes.get(scheme.name)

    old_hash = digest(before)
    moved = old_hash != digest(after)
    for change in changes:
        if not moved or old_hash is None:
            change["hash"] = "stays"
            continue
        single = _with_change(before, change["key"], after)
        change["hash"] = "moves" if single is None or digest(single) != old_hash else "stays"
    return changes


def _with_change(before: dict[str, Any], key: str, after: dict[str, Any]) -> Any:
    """``before`` with the request's value at ``key`` (a ``/``-path below the request) taken
    from ``after``, or removed where ``after`` lacks it; None when the path cannot be walked."""
    import copy

    parts = [part for part in key.split("/") if part]
    document = copy.deepcopy(before)
    source: Any = after.get("request")
    target: Any = document.get("request")
    for part in parts[:-1]:
        step: Any = int(part) if isinstance(target, list) and part.isdigit() else part
        try:
            target, source = target[step], (source[step] if source is not None else None)
        except (KeyError, IndexError, TypeError):
            return None
    if not parts:
        return None
    last: Any = int(parts[-1]) if isinstance(target, list) and parts[-1].isdigit() else parts[-1]
    try:
        present = source is not None and (
            last in source if isinstance(source, dict) else 0 <= last < len(source)
        )
        if present:
            if isinstance(target, list) and last == len(target):
                target.append(source[last])
            else:
                target[last] = source[last]
        elif isinstance(target, dict):
            target.pop(last, None)
        elif isinstance(target, list) and isinstance(last, int) and last < len(target):
            del target[last]
    except (KeyError, IndexError, TypeError):
        return None
    return document


# Two requests are one test's re-recording only when at least this share of their words is
# common (Jaccard): below it, "Show me all marketing reports" and "Tell me about topic
# number 0" are a removed and an added recording, not a pair.
SIMILAR = 0.5
_WORDS = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class _Request:
    """What pairing looks at: the test id, the endpoint and the request's words."""

    test_id: str | None
    endpoint: str | None
    words: frozenset[str]


def _request(side: Side, noise: Sequence[str]) -> _Request | None:
    data = side.data()
    if not isinstance(data, dict) or not isinstance(data.get("request"), dict):
        return None
    request = data["request"]
    test_id = data.get("test_id") if isinstance(data.get("test_id"), str) else None
    return _Request(test_id, recorded_endpoint(request), value_words(request, noise))


def value_words(request: dict[str, Any], noise: Sequence[str]) -> frozenset[str]:
    """The words of what a request asks: the values of its body (not the keys, which every
    request of an endpoint shares, nor the url and headers)."""
    body = next((request[key] for key in ("body", "payload", "kwargs") if key in request), None)
    words: set[str] = set()
    stack = [without_noise(body, noise)]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            words.update(_WORDS.findall(value.lower()))
        elif value is not None:
            words.add(str(value))
    return frozenset(words)


def _function(test_id: str | None) -> str | None:
    """The test function of a test id: the id without its parameters."""
    return None if test_id is None else test_id.split("[", 1)[0]


def similarity(old: _Request, new: _Request) -> float:
    if not old.words and not new.words:
        return 1.0
    return len(old.words & new.words) / len(old.words | new.words)


def _pair_best(
    removed: dict[str, Side],
    added: dict[str, Side],
    requests: dict[str, _Request],
    same: Any,
) -> list[tuple[Side, Side]]:
    """Removed and added recordings that ``same`` groups together, paired best first, each
    pair at least ``SIMILAR``; what pairs is taken out of ``removed`` and ``added``."""
    candidates = []
    for old_path in removed:
        old_request = requests.get("old:" + old_path)
        if old_request is None:
            continue
        for new_path in added:
            new_request = requests.get("new:" + new_path)
            if new_request is None or not same(old_request, new_request):
                continue
            score = similarity(old_request, new_request)
            if score >= SIMILAR:
                candidates.append((-score, old_path, new_path))
    pairs = []
    for _, old_path, new_path in sorted(candidates):
        if old_path in removed and new_path in added:
            pairs.append((removed.pop(old_path), added.pop(new_path)))
    return pairs


def _compared(
    old: Side,
    new: Side,
    noise: Sequence[str],
    unreadable: list[tuple[str, str]],
    *,
    target: str | None = None,
) -> Pair | None:
    """Two versions of one path, classified (None when either cannot be read: a finding);
    their files let go after."""
    pair = None
    if _readable(old, unreadable) & _readable(new, unreadable):
        pair = classify(old, new, noise, target=target)
    old.release()
    new.release()
    return pair


def _judged(old: Side, new: Side, noise: Sequence[str], target: str | None) -> Pair:
    """A re-recording pair, classified; its files let go after."""
    pair = classify(old, new, noise, renamed=True, target=target)
    old.release()
    new.release()
    return pair


def pair_sides(
    old: dict[str, Side],
    new: dict[str, Side],
    renames: Iterable[tuple[str, str]],
    noise: Sequence[str],
    unreadable: list[tuple[str, str]] | None = None,
    *,
    target: str | None = None,
) -> list[Pair]:
    """Same path first; then re-recordings, each only when the requests are alike
    (``SIMILAR``): of one test id and endpoint, then of one test function (its id without
    parameters: a model id changed), then across test functions, by git's rename or by
    endpoint (a renamed test), only for recordings whose test function has no recording on
    the other side; the rest are added or removed. Sides read from files are let go as soon
    as they are judged; those that cannot be read go to ``unreadable``."""
    unreadable = [] if unreadable is None else unreadable
    pairs = []
    for path in sorted(set(old) & set(new)):
        pair = _compared(old[path], new[path], noise, unreadable, target=target)
        if pair is not None:
            pairs.append(pair)
    removed = {path: side for path, side in old.items() if path not in new}
    added = {path: side for path, side in new.items() if path not in old}
    # A cassette is named after its test: one moved or renamed keeps its file name.
    for before in sorted(removed):
        name = os.path.basename(before)
        after = next((a for a in sorted(added) if os.path.basename(a) == name), None)
        if after is not None and name.endswith((".yaml", ".yml", ".yaml.gz")):
            pairs.append(_judged(removed.pop(before), added.pop(after), noise, target))
    requests: dict[str, _Request] = {}
    for prefix, sides in (("old:", removed), ("new:", added)):
        for path, side in list(sides.items()):
            if not _readable(side, unreadable):
                del sides[path]
                continue
            request = _request(side, noise)
            side.release()
            if request is not None:
                requests[prefix + path] = request
    # Which test functions each side has: a recording pairs across functions only when its
    # own function has no candidate on the other side.
    functions = {
        side: {_function(r.test_id) for key, r in requests.items() if key.startswith(side)}
        for side in ("old:", "new:")
    }

    def alone(old_request: _Request, new_request: _Request) -> bool:
        return (
            _function(old_request.test_id) not in functions["new:"]
            and _function(new_request.test_id) not in functions["old:"]
        )

    for same in (
        lambda a, b: a.test_id is not None and (a.test_id, a.endpoint) == (b.test_id, b.endpoint),
        lambda a, b: (
            a.test_id is not None
            and (_function(a.test_id), a.endpoint) == (_function(b.test_id), b.endpoint)
        ),
    ):
        for before_side, after_side in _pair_best(removed, added, requests, same):
            pairs.append(_judged(before_side, after_side, noise, target))
    for before, after in renames:
        if before in removed and after in added:
            old_request, new_request = requests.get("old:" + before), requests.get("new:" + after)
            if (
                old_request
                and new_request
                and alone(old_request, new_request)
                and similarity(old_request, new_request) >= SIMILAR
            ):
                pairs.append(_judged(removed.pop(before), added.pop(after), noise, target))
    endpoint = lambda a, b: a.endpoint == b.endpoint and alone(a, b)  # noqa: E731
    for before_side, after_side in _pair_best(removed, added, requests, endpoint):
        pairs.append(_judged(before_side, after_side, noise, target))
    pairs += [Pair("removed", side, None) for side in removed.values()]
    pairs += [Pair("added", None, side) for side in added.values()]
    return _ordered(pairs)


def diff(
    arguments: Sequence[str],
    staged: bool,
    noise: Sequence[str],
    cwd: Path,
    each_same: Callable[[Pair], None] | None = None,
    *,
    target: str | None = None,
) -> DiffReport:
    """Compare two files, two directories, or git revisions (see the module's docstring).

    Arguments are the user's: paths relative to ``cwd``, revisions of the repository there.
    Of two directories, the pairs judged the same go to ``each_same`` as they come (a
    reporter streaming them) and are otherwise only counted.
    """
    report = DiffReport()
    if staged:
        sides = git_sides(None, None, True, list(arguments), cwd)
        report.pairs = pair_sides(*sides, noise, target=target)
        return report
    if len(arguments) >= 2:
        first, second = cwd / arguments[0], cwd / arguments[1]
        if first.is_dir() and second.is_dir():
            _pair_dirs(first, second, noise, report, each_same, target=target)
            return report
        if os.path.lexists(first) and os.path.lexists(second):
            files: list[Side] = []
            for argument, path in zip(arguments, (first, second), strict=False):
                try:
                    files.append(Side(argument, store.read_bytes(path)))
                except store.LoadError as error:
                    report.unreadable.append((str(path), error.message))
            if len(files) == 2:
                renamed = first.name != second.name
                report.pairs = [classify(files[0], files[1], noise, renamed=renamed, target=target)]
            return report
    if not arguments:
        raise UsageError("give two files, two directories, one or two git revisions, or --staged")
    ranged = split_range(arguments[0], cwd) if not os.path.lexists(cwd / arguments[0]) else None
    if ranged is not None:
        for side in ranged:
            if not is_revision(side, cwd):
                raise UsageError(revision_error(side, cwd))
        old, new, renames = git_sides(ranged[0], ranged[1], False, list(arguments[1:]), cwd)
        report.pairs = pair_sides(old, new, renames, noise, target=target)
        return report
    if not is_revision(arguments[0], cwd):
        if os.path.lexists(cwd / arguments[0]):
            raise UsageError(f"{arguments[0]}: give a second file or directory to compare it with")
        if shutil.which("git") is None:
            raise UsageError(
                f"{arguments[0]}: no such file or directory, and git is not on PATH to read "
                "it as a revision"
            )
        raise UsageError(
            f"{arguments[0]}: no such file, directory or git revision\n"
            + revision_error(arguments[0], cwd)
        )
    if len(arguments) >= 2 and is_revision(arguments[1], cwd):
        old, new, renames = git_sides(arguments[0], arguments[1], False, list(arguments[2:]), cwd)
    else:
        old, new, renames = git_sides(arguments[0], None, False, list(arguments[1:]), cwd)
    report.pairs = pair_sides(old, new, renames, noise, target=target)
    return report

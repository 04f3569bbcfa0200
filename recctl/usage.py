"""Usage logs: what replay runs opened (written by ``pytest --recctl-used``), merged over
runs (one per CI configuration), for ``prune --used``, ``ls --used`` and ``coverage``.

A log decides deletions, so one that looks like a mistake is refused: a log with no test, a
log of another project (written under another root, and naming files this one lacks), a run
in which no test opened any recording (live or record mode, not replay).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recctl import store
from recctl.discovery import RECORDINGS_DIR
from recctl.errors import UsageError
from recctl.project import Project, real_path
from recctl.usage_child import added_plays

LOG_VERSION = 1


@dataclass
class TestRun:
    outcome: str | None
    opened: Counter[str] = field(default_factory=Counter)
    """Root-relative paths and how often the test opened each."""
    outcomes: set[str] = field(default_factory=set)
    """Its outcome in every log that has it (a matrix runs a test in several jobs)."""
    played: dict[str, list[int]] = field(default_factory=dict)
    """For each VCR.py cassette it used: how often each interaction played."""

    @property
    def passed(self) -> bool:
        """Whether it ran and passed in at least one log: what lets prune judge its files."""
        return "passed" in self.outcomes


@dataclass(frozen=True)
class Contribution:
    """What one log of a matrix brought: for the summary, and to tell an empty log."""

    log: str
    tests: int
    passed: int
    opened: int
    """Recordings its tests opened (in any of the session's processes)."""


@dataclass
class UsageLog:
    """Every run's tests merged: a test run in several configurations has every file any of
    them opened, and fails if it failed in one."""

    logs: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    tests: dict[str, TestRun] = field(default_factory=dict)
    globs: set[str] = field(default_factory=set)
    """Root-relative glob patterns a recorder ran (a model listing's ``models-<hash>-*``)."""
    _folders: set[str] | None = field(default=None, repr=False)

    def opens(self) -> dict[str, Counter[str]]:
        """For each opened path: the tests that opened it, with how often."""
        by_path: dict[str, Counter[str]] = {}
        for test, run in self.tests.items():
            for path, count in run.opened.items():
                by_path.setdefault(path, Counter())[test] += count
        return by_path

    def unjudged(self, test_id: str | None, folder: str) -> str | None:
        """Why these runs cannot say whether a recording is used (None: they can): its test
        never ran, was skipped or failed in every log. A recording without a test id is
        judged by its folder (root-relative): a test that passed lives beside it, or opened
        a file of it."""
        if test_id:
            run = self.tests.get(test_id)
            if run is None or not run.outcomes:
                return "not in any run"
            if run.passed:
                return None
            if "failed" in run.outcomes:
                return "failed"
            if run.outcomes & {"skipped", "xfailed"}:
                return "skipped"
            return "not run"
        return None if folder in self._passed_folders() else "no test of its folder ran"

    def _passed_folders(self) -> set[str]:
        if self._folders is None:
            folders: set[str] = set()
            for test, run in self.tests.items():
                if not test or not run.passed:
                    continue
                folders.add(posixpath.join(posixpath.dirname(test.split("::")[0]), RECORDINGS_DIR))
                folders.update(posixpath.dirname(path) for path in run.opened)
            self._folders = folders
        return self._folders

    def plays(self, relative: str) -> list[int] | None:
        """How often each interaction of a cassette played, summed over every test and log;
        None when no run counted its plays (VCR.py was not importable there)."""
        found: list[int] | None = None
        for run in self.tests.values():
            counts = run.played.get(relative)
            if counts is not None:
                found = added_plays(found or [], counts)
        return found

    def used(self, relative: str) -> bool:
        """Whether a run read the file: opened it, or globbed a pattern it matches."""
        return any(relative in run.opened for run in self.tests.values()) or any(
            fnmatch.fnmatchcase(relative, pattern) for pattern in self.globs
        )


def expand(arguments: Sequence[str], cwd: Path) -> list[Path]:
    """Log files named by ``--used`` values: a file, a directory (its ``*.jsonl``) or a
    quoted glob (``'logs/used-*.jsonl'``)."""
    found: list[Path] = []
    for argument in arguments:
        path = cwd / argument
        if path.is_dir():
            logs = sorted(path.glob("*.jsonl"))
            if not logs:
                raise UsageError(f"--used {argument}: no *.jsonl usage log in that directory")
            found += logs
        elif path.exists():
            found.append(path)
        elif glob.has_magic(argument):
            matched = sorted(Path(p) for p in glob.glob(str(path)))
            if not matched:
                raise UsageError(f"--used {argument}: no usage log matches")
            found += matched
        else:
            raise UsageError(f"--used {argument}: no such file or directory")
    return list(dict.fromkeys(found))


def _malformed(record: dict[str, Any]) -> str | None:
    """What is wrong with a test's line of a log, if anything (a log decides deletions: one
    of the wrong shape is refused, never half read)."""
    for key in ("test", "outcome"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"{key} must be a string"
    opened = record.get("opened", {})
    if not isinstance(opened, dict) or not all(
        isinstance(name, str) and type(count) is int for name, count in opened.items()
    ):
        return "opened must map paths to counts"
    for key in ("listed", "globs"):
        value = record.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return f"{key} must be a list of paths"
    played = record.get("played", {})
    if not isinstance(played, dict) or not all(
        isinstance(name, str)
        and isinstance(counts, list)
        and all(type(count) is int and count >= 0 for count in counts)
        for name, counts in played.items()
    ):
        return "played must map cassettes to lists of play counts"
    return None


def _read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    try:
        raw = store.read_bytes(path)
    except store.LoadError as error:
        raise UsageError(f"usage log {path}: {error.message}") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = store.parse_exact(line)
        except store.LoadError as error:
            raise UsageError(f"usage log {path}:{number}: {error.message}") from None
        if not isinstance(record, dict):
            raise UsageError(f"usage log {path}:{number}: not a JSON object")
        if records:  # the header has fields of its own
            problem = _malformed(record)
            if problem:
                raise UsageError(f"usage log {path}:{number}: {problem}")
        records.append(record)
    if not records or records[0].get("recctl-used") != LOG_VERSION:
        raise UsageError(
            f"usage log {path}: not a recctl usage log (pytest --recctl-used=FILE writes one)"
        )
    return records[0], records[1:]


class _Confined:
    """Makes a log's names root-relative once, symlinks resolved on both sides (the log's
    names and the project's files), as every command names files; a name that leaves the
    root (``../../etc/passwd``, ``/etc/shadow``) makes the whole log refused: a log decides
    deletions, and one that names files outside its project was not written by a run of it."""

    def __init__(self, root: Path, log: Path) -> None:
        self.prefix = str(root).rstrip(os.sep) + os.sep
        self.root = root
        self.log = log
        self.known: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        relative = self.known.get(name)
        if relative is None:
            real = real_path(os.path.join(self.root, name.replace("/", os.sep)))
            if not real.startswith(self.prefix):
                raise UsageError(
                    f"usage log {self.log} names {name!r}, outside the project {self.root}: "
                    "refusing a log that is not this project's"
                )
            relative = real[len(self.prefix) :].replace(os.sep, "/")
            self.known[name] = relative
        return relative


def load_usage(
    paths: Iterable[Path], project: Project, allow_empty: Iterable[Path] = ()
) -> UsageLog:
    """Every log merged; refused when one looks like a mistake (module docstring). A log whose
    tests passed without opening any recording is refused, unless it is in ``allow_empty``:
    beside the others of a matrix, it would call what its job needs unused."""
    merged = UsageLog()
    root = str(project.root)
    allowed = {os.path.realpath(path) for path in allow_empty}
    for path in paths:
        header, records = _read(path)
        tests = [record for record in records if isinstance(record.get("test"), str)]
        if not tests:
            raise UsageError(
                f"usage log {path}: no test ran in it (an interrupted or deselected run?); "
                "refusing to call every recording unused"
            )
        opened = {name for record in records for name in record.get("opened", {})}
        if header.get("root") != root:
            present = sum(os.path.lexists(project.root / name) for name in opened)
            if not opened or present * 2 < len(opened):
                raise UsageError(
                    f"usage log {path} was written under {header.get('root')!r}, not this "
                    f"project's root {root}: only {present} of the {len(opened)} files it "
                    "names are here. Run recctl where the suite ran, or pass --root"
                )
        passed = sum(1 for record in tests if record.get("outcome") == "passed")
        if not opened and passed and os.path.realpath(path) not in allowed:
            raise UsageError(
                f"usage log {path}: {passed} test{'s' if passed != 1 else ''} passed and opened "
                "no recording (a live run, or a recorder in a process the plugin cannot see): "
                f"refusing it; --allow-empty {path} takes it if that job needs no recordings"
            )
        merged.logs.append(str(path))
        merged.contributions.append(Contribution(str(path), len(tests), passed, len(opened)))
        inside = _Confined(project.root, path)
        for record in records:
            run = merged.tests.setdefault(record.get("test") or "", TestRun(None))
            outcome = record.get("outcome")
            if outcome is not None and run.outcome != "failed":
                run.outcome = outcome
            if outcome is not None:
                run.outcomes.add(outcome)
            for name, count in record.get("opened", {}).items():
                run.opened[inside(name)] += count
            for name, counts in record.get("played", {}).items():
                cassette = inside(name)
                run.played[cassette] = added_plays(run.played.get(cassette, []), counts)
            merged.globs.update(map(inside, record.get("globs", [])))
    if not any(run.opened for run in merged.tests.values()) and not allowed:
        raise UsageError(
            "no test opened a recording in these usage logs: was the suite run in replay mode? "
            "refusing to call every recording unused"
        )
    session = merged.tests.get("")
    if session is not None and not session.opened:
        del merged.tests[""]  # opens outside any test count; an empty session entry is noise
    return merged


@dataclass(frozen=True)
class FileUse:
    path: str
    """Absolute."""
    opens: int
    tests: list[str]


def file_uses(files: Sequence[str | Path], usage: UsageLog, project: Project) -> list[FileUse]:
    """For each recording: how often runs opened it, and by which tests."""
    opens = usage.opens()
    uses = []
    for path in files:
        counts = opens.get(project.key(path), Counter())
        uses.append(FileUse(str(path), sum(counts.values()), sorted(counts)))
    return uses


@dataclass
class Coverage:
    tests: int = 0
    without_recording: list[tuple[str, str | None]] = field(default_factory=list)
    """Tests that ran and opened no recording, with their outcome: they went live, or need
    recording."""
    failed_opens: list[tuple[str, list[str]]] = field(default_factory=list)
    """Recordings opened by tests that failed, with those tests."""
    failed_tests: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """Tests that were skipped (or xfailed) and opened nothing: they did not run, so they
    say nothing of their recordings."""


def coverage(usage: UsageLog, project: Project) -> Coverage:
    report = Coverage()
    by_failed: dict[str, list[str]] = {}
    for test, run in sorted(usage.tests.items()):
        if not test:
            continue
        report.tests += 1
        if not run.opened and run.outcome in ("skipped", "xfailed"):
            report.skipped.append((test, run.outcome))
        elif not run.opened:
            report.without_recording.append((test, run.outcome))
        if run.outcome == "failed":
            report.failed_tests += 1
            for path in run.opened:
                by_failed.setdefault(str(project.root / path), []).append(test)
    report.failed_opens = sorted(by_failed.items())
    return report

"""A pytest plugin that logs which recordings and cassettes a replay run really reads:
``pytest --recctl-used=used.jsonl``.

Inactive unless the option is given. Active, it watches Python's audit events (``open``,
``os.listdir``, ``os.scandir``, ``glob.glob``), so it works with any recorder and needs no
change to it, and keeps those under a ``recordings`` or ``cassettes`` directory (or the
project's configured ``paths``), attributed to the test running. Where VCR.py is installed,
it also notes how often each interaction of a cassette played, as the cassette closes.
Under pytest-xdist each worker hands its part to the controller, which merges them and
writes one log, atomically.

The log is JSON lines: a header (``recctl-used``, the project root, pytest's rootdir, when),
then one line per test that ran: its node id, outcome, the files it opened (root-relative,
with how often), the directories it listed, the globs it ran and, for the cassettes it
used, each interaction's play count (``played``). ``recctl prune --used``,
``ls --used`` and ``coverage`` read it.

pytest loads this module in every run of every project where recctl is installed: it imports
nothing beyond the standard library and pytest until it is asked for.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Generator
from typing import Any

import pytest

# Standard library only, as this module: what counts as a recording's path and event is said
# once, for this process and the ones it starts.
from recctl.usage_child import CASSETTES, EVENTS, RECORDINGS, added_plays, kept, kind_of

LOG_VERSION = 1
SESSION = ""
"""What opens outside any test (collection, session set-up) are attributed to."""
NOT_RUN = "not run"
"""The outcome of a collected test that never ran."""


class UsageRecorder:
    """What each test opened, listed and globbed, while active."""

    def __init__(self, root: str, extra: tuple[str, ...]) -> None:
        self.root = root
        self.extra = extra
        """Configured recording paths (absolute) that need not be named ``recordings``."""
        needles = sorted({RECORDINGS, CASSETTES, *(os.path.basename(path) for path in extra)})
        # One C call tells an event's path names none of them (most events of a run).
        self.mentions = re.compile("|".join(map(re.escape, needles))).search
        self.current = SESSION
        self.opened: dict[str, dict[str, int]] = {}
        self.listed: dict[str, set[str]] = {}
        self.globs: dict[str, set[str]] = {}
        self.outcomes: dict[str, str] = {}
        self.collected: set[str] = set()
        self.played: dict[str, dict[str, list[int]]] = {}
        """For each test, each cassette it used: how often each interaction played."""
        self.spool = ""
        """Where the session's other processes write what they open (``usage_child``)."""
        self.current_file = ""
        """The file that names the running test, for the processes this one starts."""
        self._current_fd: int | None = None

    def see(self, event: str, args: tuple[Any, ...]) -> None:
        target = args[0] if args else None
        if isinstance(target, bytes):
            target = os.fsdecode(target)
        elif not isinstance(target, str):
            if target is None or isinstance(target, int):
                return  # a file descriptor: its path was seen when it was opened
            try:
                target = os.fspath(target)
            except TypeError:
                return
            if isinstance(target, bytes):
                target = os.fsdecode(target)
        # The cheap test first: most events of a run (imports) name no recording.
        if self.mentions(target) is None:
            return
        path = os.path.abspath(target)
        if not kept(path, self.extra):
            return
        self.note(self.current, kind_of(event), path)

    def note(self, test: str, kind: str, path: str) -> None:
        """One open, glob or listing by ``test`` (of this process or another)."""
        if kind == "open":
            counts = self.opened.setdefault(test, {})
            counts[path] = counts.get(path, 0) + 1
        elif kind == "glob":
            self.globs.setdefault(test, set()).add(path)
        else:
            self.listed.setdefault(test, set()).add(path)

    def note_played(self, path: str, counts: list[int]) -> None:
        """A VCR.py cassette the running test closed, with its play count per interaction."""
        mine = self.played.setdefault(self.current, {})
        mine[path] = added_plays(mine.get(path, []), counts)

    def set_current(self, test: str) -> None:
        """The running test, here and for the processes this one starts: the name and a
        newline written over the file's start in one call, then the rest cut (a reader takes
        what comes before the first newline). Two system calls a test, no new file."""
        self.current = test
        if not self.current_file:
            return
        try:
            if self._current_fd is None:
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                self._current_fd = os.open(self.current_file, flags, 0o600)
            line = (test + "\n").encode("utf-8", "surrogateescape")
            os.pwrite(self._current_fd, line, 0)
            os.ftruncate(self._current_fd, len(line))
        except OSError:
            self.current_file = ""  # a spool that cannot be written: opens go unnamed

    def state(self) -> dict[str, Any]:
        """Everything recorded, as plain data (what an xdist worker sends its controller)."""
        return {
            "opened": self.opened,
            "listed": {test: sorted(paths) for test, paths in self.listed.items()},
            "globs": {test: sorted(paths) for test, paths in self.globs.items()},
            "outcomes": self.outcomes,
            "collected": sorted(self.collected),
            "played": self.played,
        }

    def merge(self, state: dict[str, Any]) -> None:
        for test, counts in state.get("opened", {}).items():
            mine = self.opened.setdefault(test, {})
            for path, count in counts.items():
                mine[path] = mine.get(path, 0) + count
        for key, into in (("listed", self.listed), ("globs", self.globs)):
            for test, paths in state.get(key, {}).items():
                into.setdefault(test, set()).update(paths)
        for test, outcome in state.get("outcomes", {}).items():
            if self.outcomes.get(test) != "failed":
                self.outcomes[test] = outcome
        self.collected.update(state.get("collected", ()))
        for test, cassettes in state.get("played", {}).items():
            ours = self.played.setdefault(test, {})
            for path, counts in cassettes.items():
                ours[path] = added_plays(ours.get(path, []), counts)

    def close(self) -> None:
        """The session is over: the processes it starts from now on are not measured (a
        second session in this process sets up its own)."""
        from recctl import usage_child

        for name in (usage_child.SPOOL, usage_child.CURRENT, usage_child.EXTRA):
            os.environ.pop(name, None)
        if self._current_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._current_fd)
            self._current_fd = None

    def merge_spool(self) -> None:
        """Take in what the session's other processes opened, then clear the spool."""
        if not self.spool:
            return
        from recctl.usage_child import read_spool

        for record in read_spool(self.spool):
            test = record.get("test")
            kind = record.get("kind")
            self.note(test if isinstance(test, str) else SESSION, str(kind), record["path"])
        import shutil

        shutil.rmtree(self.spool, ignore_errors=True)


_recorder: UsageRecorder | None = None
_hook_added = False
_vcr_patched = False
_fork_hook_added = False
_LOG = pytest.StashKey[str]()
"""Where the log goes, absolute (the run may change directory)."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # Called for every audited event of the process, for the rest of its life (an audit hook
    # cannot be removed): it must return at once when inactive or not interested.
    recorder = _recorder
    if recorder is None or event not in EVENTS:
        return
    recorder.see(event, args)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("recctl")
    group.addoption(
        "--recctl-used",
        metavar="LOG",
        default=None,
        help="Log every recording each test opens or lists (JSON lines), for "
        "recctl prune --used, ls --used and coverage.",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _recorder, _hook_added
    log = config.getoption("recctl_used", None)
    if not log:
        return
    from recctl.errors import RecctlError
    from recctl.project import find_project

    try:
        project = find_project([], config.rootpath)
    except RecctlError as error:
        raise pytest.UsageError(f"--recctl-used: {error}") from None
    extra = tuple(str(path) for path in project.config.paths)
    _recorder = UsageRecorder(str(project.root), extra)
    config.stash[_LOG] = os.path.abspath(log)
    _share_with_subprocesses(_recorder, config)
    if not _hook_added:
        sys.addaudithook(_audit)
        _hook_added = True
    _watch_cassettes()


def _watch_cassettes() -> None:
    """When VCR.py is installed: note, as each cassette closes at the end of its use, how
    often each of its interactions played (VCR.py's own ``play_counts``)."""
    global _vcr_patched
    if _vcr_patched:
        return
    try:
        from vcr.cassette import Cassette
    except ImportError:
        return  # no VCR.py in this environment: opens are logged all the same
    original = Cassette._save

    def save(cassette: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = _recorder
        if recorder is not None:
            with contextlib.suppress(Exception):  # never break the suite's replay
                _note_plays(recorder, cassette)
        return original(cassette, *args, **kwargs)

    Cassette._save = save
    _vcr_patched = True


def _note_plays(recorder: UsageRecorder, cassette: Any) -> None:
    """A closing cassette's play counts, when they say what replay used: not for a cassette
    that recorded (its new interactions were not played, they were made)."""
    loaded = getattr(cassette, "_loaded_count", len(cassette.data))
    mode = getattr(cassette.record_mode, "value", cassette.record_mode)
    if mode == "all" or len(cassette.data) > loaded:
        return  # opened all the same (the log has it), its plays unjudged
    plays = cassette.play_counts
    path = os.path.abspath(os.fspath(cassette._path))
    recorder.note_played(path, [int(plays.get(index, 0)) for index in range(loaded)])


def _share_with_subprocesses(recorder: UsageRecorder, config: pytest.Config) -> None:
    """Let every process the session starts log what it opens: a spool folder (the
    controller's, which xdist workers inherit) and, per process that runs tests, a file
    naming its running test, both in the environment the subprocesses inherit."""
    from recctl import usage_child

    usage_child.stop()  # this process logs its own opens
    worker = getattr(config, "workerinput", None)
    spool = os.environ.get(usage_child.SPOOL) if worker is not None else None
    if not spool:
        import tempfile

        spool = tempfile.mkdtemp(prefix="recctl-usage-")
        recorder.spool = spool  # the controller merges it
    name = worker.get("workerid", "worker") if worker is not None else "main"
    recorder.current_file = os.path.join(spool, f"current-{name}")
    os.environ[usage_child.SPOOL] = spool
    os.environ[usage_child.CURRENT] = recorder.current_file
    os.environ[usage_child.EXTRA] = os.pathsep.join(recorder.extra)
    recorder.set_current(SESSION)
    global _fork_hook_added
    if not _fork_hook_added:
        os.register_at_fork(after_in_child=_after_fork)
        _fork_hook_added = True


def _after_fork() -> None:
    """In a process forked from the session (a multiprocessing pool): its memory is lost
    when it exits, so what it opens goes to the spool, under the test running at the fork."""
    global _recorder
    recorder = _recorder
    if recorder is None or not recorder.current_file:
        return
    _recorder = None
    from recctl import usage_child

    spool = os.path.dirname(recorder.current_file)
    usage_child.watch(spool, recorder.current_file, recorder.extra)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    recorder = _recorder
    if recorder is None:
        yield
        return
    recorder.set_current(item.nodeid)
    recorder.outcomes.setdefault(item.nodeid, "passed")
    try:
        yield
    finally:
        recorder.set_current(SESSION)


def pytest_collection_finish(session: pytest.Session) -> None:
    recorder = _recorder
    if recorder is not None:
        recorder.collected.update(item.nodeid for item in session.items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    recorder = _recorder
    if recorder is None:
        return
    if report.failed:
        recorder.outcomes[report.nodeid] = "failed"
    elif report.skipped and recorder.outcomes.get(report.nodeid) != "failed":
        recorder.outcomes[report.nodeid] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    else:
        recorder.outcomes.setdefault(report.nodeid, "passed")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: a worker finished; take its part."""
    recorder = _recorder
    output = getattr(node, "workeroutput", None) or {}
    if recorder is not None and "recctl_used" in output:
        recorder.merge(output["recctl_used"])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    global _recorder
    recorder = _recorder
    if recorder is None:
        return
    config = session.config
    _recorder = None  # nothing the writing opens is recorded
    recorder.close()
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["recctl_used"] = recorder.state()
        return
    recorder.merge_spool()
    lines = log_lines(recorder, str(config.rootpath), _worker_count(config))
    from pathlib import Path

    from recctl.store import WriteError, put

    try:
        put(Path(config.stash[_LOG]), "".join(lines).encode("utf-8", "surrogateescape"))
    except WriteError as error:
        raise pytest.UsageError(f"--recctl-used: {error}") from None


def _worker_count(config: pytest.Config) -> int:
    workers = getattr(config.option, "numprocesses", None)
    return workers if isinstance(workers, int) else 0


def _relative(path: str, root: str) -> str | None:
    """``path`` relative to the (resolved) root, with its symlinks resolved as recctl names
    files whatever path reached them (a run through a symlinked checkout); None when it lies
    outside the root: not one of the project's recordings."""
    from recctl.project import real_path

    prefix = root.rstrip(os.sep) + os.sep
    real = real_path(path)
    return real[len(prefix) :].replace(os.sep, "/") if real.startswith(prefix) else None


def _relatives(paths: Any, root: str) -> list[str]:
    return sorted({name for path in paths if (name := _relative(path, root)) is not None})


def log_lines(recorder: UsageRecorder, rootdir: str, workers: int) -> list[str]:
    import json

    root = recorder.root
    header = {
        "recctl-used": LOG_VERSION,
        "root": root,
        "rootdir": rootdir,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "workers": workers,
    }
    lines = [json.dumps(header) + "\n"]
    tests = sorted(
        set(recorder.outcomes) | set(recorder.opened) | set(recorder.listed) | recorder.collected
    )
    for test in tests:
        opened: dict[str, int] = {}
        for path, count in recorder.opened.get(test, {}).items():
            name = _relative(path, root)
            if name is not None:
                opened[name] = opened.get(name, 0) + count
        played: dict[str, list[int]] = {}
        for path, counts in recorder.played.get(test, {}).items():
            name = _relative(path, root)
            if name is not None:
                played[name] = added_plays(played.get(name, []), counts)
        record: dict[str, Any] = {
            "test": test or None,
            # Collected and never run (an interrupted run, -x): said so, never "passed".
            "outcome": recorder.outcomes.get(test, NOT_RUN) if test else None,
            "opened": dict(sorted(opened.items())),
            "listed": _relatives(recorder.listed.get(test, ()), root),
            "globs": _relatives(recorder.globs.get(test, ()), root),
        }
        if played:
            # How often each interaction of each VCR.py cassette played (0: never).
            record["played"] = dict(sorted(played.items()))
        # Outside tests only opens count: pytest's collection lists every directory.
        if test == SESSION and not record["opened"]:
            continue
        lines.append(json.dumps(record) + "\n")
    return lines

"""What the other processes of a test session open: servers, worker pools, ``python -m ...``
that tests and fixtures start (``pytest --recctl-used``).

As coverage.py measures subprocesses, the installed package carries a start-up hook
(``recctl_usage.pth``): every Python process reads one environment variable at start and,
unless a session set it, does nothing more. When ``RECCTL_USAGE`` names a session's spool
folder, the process watches its audit events as the plugin does and appends each recording
it opens to a spool file of its own, one line per open, written at once (``O_APPEND``, one
``write`` a line): a fork, ``os._exit`` or a kill loses nothing, and no process waits for
another. Each open is attributed to the test the session says is running (the file
``RECCTL_USAGE_CURRENT`` names, rewritten at each test). Nothing here may break the process:
every error stops the watching, quietly.

Imported at the start of every process of a measured session: it imports only what the
interpreter has already loaded (``os``, ``sys``) until the process opens a recording.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs a process 4 ms to import
if TYPE_CHECKING:
    from typing import Any

SPOOL = "RECCTL_USAGE"
"""The session's spool folder (absolute): set by the plugin for the processes it starts."""
CURRENT = "RECCTL_USAGE_CURRENT"
"""The file that names the test running in the process that started this one."""
EXTRA = "RECCTL_USAGE_EXTRA"
"""The project's configured recording folders that need not be named ``recordings``
(absolute, ``os.pathsep``-separated)."""
CHILD_SUFFIX = ".child.jsonl"
# The audit events that read a file or a directory; glob.glob/2 is glob's 3.10+ form.
EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "glob.glob/2"})
RECORDINGS = "recordings"
CASSETTES = "cassettes"
"""The folders of the recorders whose files are logged (llama-stack's, VCR.py's)."""


def kept(path: str, extra: tuple[str, ...]) -> bool:
    """Whether an absolute path is a recording's or a cassette's, or a folder of them: under
    a ``recordings`` or ``cassettes`` directory or a configured path (the plugin asks the
    same)."""
    ended = path + os.sep
    if os.sep + RECORDINGS + os.sep in ended or os.sep + CASSETTES + os.sep in ended:
        return True
    return any(path == prefix or path.startswith(prefix + os.sep) for prefix in extra)


def added_plays(counts: list[int], more: list[int]) -> list[int]:
    """Play counts of one cassette, summed interaction by interaction (the longer list's
    length: a count a run did not report is 0)."""
    size = max(len(counts), len(more))
    return [
        (counts[i] if i < len(counts) else 0) + (more[i] if i < len(more) else 0)
        for i in range(size)
    ]


def kind_of(event: str) -> str:
    """What an audit event did: ``open``, ``glob`` or ``list``."""
    return "open" if event == "open" else "glob" if event.startswith("glob") else "list"


class ChildRecorder:
    """Appends the recordings this process opens to its spool file."""

    def __init__(self, spool: str, current: str | None, extra: tuple[str, ...]) -> None:
        self.spool = spool
        self.current = current
        self.extra = extra
        self.active = True
        self._busy = False
        self._fd: int | None = None
        self._pid = -1
        self._current_fd: int | None = None

    def _test(self) -> str:
        """The test running now in the process that started this one: its file read again at
        each open (a server outlives many tests), through one descriptor, in one call."""
        if not self.current:
            return ""
        try:
            if self._current_fd is None:
                self._current_fd = os.open(self.current, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            text = os.pread(self._current_fd, 65536, 0)
        except OSError:
            return ""
        return text.partition(b"\n")[0].decode("utf-8", "surrogateescape")

    def _write(self, line: bytes) -> None:
        pid = os.getpid()
        if self._fd is None or pid != self._pid:  # a fork writes a file of its own
            name = os.path.join(self.spool, f"{pid}-{os.urandom(4).hex()}{CHILD_SUFFIX}")
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(name, flags, 0o600)
            self._pid = pid
        os.write(self._fd, line)

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or self._busy or event not in EVENTS:
            return
        target = args[0] if args else None
        if isinstance(target, bytes):
            target = os.fsdecode(target)
        if not isinstance(target, str) or (
            RECORDINGS not in target and CASSETTES not in target and not self.extra
        ):
            return
        self._busy = True  # the recorder's own reads raise audit events too
        try:
            path = os.path.abspath(target)
            if not kept(path, self.extra):
                return
            kind = kind_of(event)
            line = (
                f'{{"test": {_quoted(self._test())}, "kind": "{kind}", "path": {_quoted(path)}}}\n'
            )
            self._write(line.encode("utf-8", "surrogateescape"))
        except Exception:
            self.active = False
        finally:
            self._busy = False


def _quoted(text: str) -> str:
    """``text`` as a JSON string, without importing json (and re with it: 9 ms a process)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    if any(char < " " for char in text):
        text = "".join(char if char >= " " else f"\\u{ord(char):04x}" for char in text)
    return f'"{text}"'


_recorder: ChildRecorder | None = None


def start() -> None:
    """Called by the start-up hook when ``RECCTL_USAGE`` is set: watch this process."""
    spool = os.environ.get(SPOOL)
    if not spool or _recorder is not None or not os.path.isdir(spool):
        return  # no session to report to: nothing to do
    extra = tuple(path for path in os.environ.get(EXTRA, "").split(os.pathsep) if path)
    watch(spool, os.environ.get(CURRENT), extra)


def watch(spool: str, current: str | None, extra: tuple[str, ...]) -> None:
    """Append what this process opens to the spool (a process the plugin forked, whose
    in-memory log nobody would read, calls it after the fork)."""
    global _recorder
    fresh = ChildRecorder(spool, current, extra)
    if _recorder is None:
        sys.addaudithook(_audit)  # once: a hook cannot be removed, the recorder is replaced
    _recorder = fresh


def stop() -> None:
    """This process logs what it opens itself (a pytest worker with the plugin active)."""
    if _recorder is not None:
        _recorder.active = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder = _recorder
    if recorder is not None:
        recorder.audit(event, args)


def read_spool(spool: str) -> list[dict[str, Any]]:
    """Every line the session's other processes wrote (a torn last line, from a process
    killed mid-write, is left out)."""
    import json

    records: list[dict[str, Any]] = []
    try:
        names = sorted(name for name in os.listdir(spool) if name.endswith(CHILD_SUFFIX))
    except OSError:
        return records
    for name in names:
        try:
            with open(os.path.join(spool, name), "rb") as file:
                lines = file.read().splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("path"), str):
                records.append(record)
    return records

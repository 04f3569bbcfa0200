"""Spread per-file work over the machine's cores, keeping results in input order.

Where the OS can fork, this process forks ``jobs - 1`` children and works as a worker
itself (or forks ``jobs`` and only gathers: ``parent_works``); each worker claims the next
batch of files nobody has taken (from a pipe that holds their numbers) and sends back only
its small results (findings, summaries, never parsed recordings) through a pipe of its own,
batch by batch. That costs a few milliseconds, where ``multiprocessing.Pool`` spent more on
feeding batches through its queues than the second core won on a corpus of a thousand files
(measured in bench/README.md). Elsewhere a spawn-based pool does the same job.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, BinaryIO, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items, one process is quicker than forking.
PARALLEL_THRESHOLD = 64
BATCH_SIZE = 16


def default_jobs() -> int:
    """One worker per usable CPU."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class WorkerError(RuntimeError):
    """A worker process died or failed; its message says how."""


def process_map(
    func: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    parent_works: bool = True,
) -> Generator[Result, None, None]:
    """``map(func, items)`` over ``jobs`` processes, yielding results in input order.

    ``jobs=None`` means one process per CPU (one process for a handful of items).
    ``initializer(*initargs)`` prepares every process that calls ``func``; with fork it runs
    once, before forking, and the workers inherit what it set up.

    ``parent_works``: this process is one of the ``jobs`` workers. False: it forks ``jobs``
    workers and only gathers, for a command whose results pile up while every file is
    parsed: parses freed between results that stay scatter them over the allocator's
    arenas, which are then never returned (prune's peak grew 1.3x from 1,066 files to
    10,660 with the parent working, 1.15x without; bench/README.md).
    """
    if jobs is None:
        jobs = default_jobs() if len(items) >= PARALLEL_THRESHOLD else 1
    jobs = max(1, min(jobs, len(items)))
    # Parsed recordings are acyclic; the cyclic collector only burns time on them.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if initializer is not None and (jobs == 1 or hasattr(os, "fork")):
            initializer(*initargs)
        if jobs == 1:
            yield from map(func, items)
        elif hasattr(os, "fork"):
            yield from _forked_map(func, items, jobs, parent_works)
        else:  # pragma: no cover - Windows
            yield from _pool_map(func, items, jobs, initializer, initargs)
    finally:
        if gc_was_enabled:
            gc.enable()


# Batches are claimed through a pipe that holds all their numbers from the start: at most
# this many, so that they fit its buffer (16 KiB on macOS, 64 KiB on Linux) and writing them
# never waits.
MAX_BATCHES = 4096
_CLAIM = 4  # bytes per batch number: reads this small from a pipe are atomic
AHEAD = 8


def _batches(count: int, jobs: int) -> list[range]:
    size = max(1, min(BATCH_SIZE, count // (jobs * 4) or 1), -(-count // MAX_BATCHES))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _claim(tasks: int) -> int | None:
    """The next batch nobody has taken, or None when all are taken."""
    claimed = os.read(tasks, _CLAIM)
    return int.from_bytes(claimed, "little") if len(claimed) == _CLAIM else None


def _forked_map(
    func: Callable[[Item], Result], items: Sequence[Item], jobs: int, parent_works: bool
) -> Iterator[Result]:
    # Imported here, once before the fork rather than by each worker; a run too small to
    # fork never needs it (a pre-commit hook's start-up).
    import pickle  # noqa: F401

    batches = _batches(len(items), jobs)
    sys.stdout.flush()
    sys.stderr.flush()
    # Whoever is free takes the next batch (this process too, between reading results):
    # files differ in size by a thousand times, and a worker that waited for a slower one
    # to be read idled (measured in bench/README.md).
    tasks, claims = os.pipe()
    os.write(claims, b"".join(index.to_bytes(_CLAIM, "little") for index in range(len(batches))))
    os.close(claims)
    children: dict[int, tuple[int, BinaryIO]] = {}
    done: dict[int, list[Result]] = {}
    try:
        for _ in range(1 if parent_works else 0, jobs):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, measured by its output
                os.close(read_end)
                _child(func, items, batches, tasks, write_end)
            os.close(write_end)
            children[read_end] = (pid, os.fdopen(read_end, "rb"))
        if not parent_works:
            os.close(tasks)  # the workers take every batch
            tasks = -1
        waiting = dict(children)
        following = 0
        while following < len(batches):
            index = _claim(tasks) if tasks >= 0 else None
            if index is None and tasks >= 0:
                os.close(tasks)
                tasks = -1
            if index is not None:
                done[index] = [func(items[i]) for i in batches[index]]
            # Read what the workers sent meanwhile; once nothing is left to take, wait.
            block = index is None and following not in done
            if block and not waiting:
                raise WorkerError(f"no worker sent the results of batch {following}")
            # Read on, past AHEAD too while the batch needed next is not in (it may be in a pipe).
            _gather(waiting, done, block, bounded=following in done)
            while following in done:
                yield from done.pop(following)
                following += 1
        while waiting:  # each worker's last word: it took no more
            _gather(waiting, done, block=True)
        for pid, reader in children.values():
            reader.close()
            _, status = os.waitpid(pid, 0)
            if status != 0:
                raise WorkerError(f"worker process {pid} ended badly (wait status {status})")
        children.clear()
    finally:
        if tasks >= 0:
            os.close(tasks)
        # Interrupted, failed or abandoned: leave no worker behind.
        for pid, reader in children.values():
            _reap(pid, reader)


def _gather(
    waiting: dict[int, tuple[int, BinaryIO]],
    done: dict[int, list[Any]],
    block: bool,
    bounded: bool = False,
) -> None:
    """Results the workers have sent, by batch (``block``: wait for one at least). With
    ``AHEAD`` batches read and not yet handed on (``bounded``: the next one among them), the
    rest wait in the pipes, which hold the workers back: memory stays flat however far
    ahead they get."""
    import select

    if bounded and not block and len(done) >= AHEAD:
        return
    while waiting:
        ready, _, _ = select.select(list(waiting), [], [], None if block else 0)
        if not ready:
            return
        for descriptor in ready:
            pid, reader = waiting[descriptor]
            message = _receive(pid, reader)
            if message is None:
                del waiting[descriptor]  # that worker took its last batch
            else:
                index, results = message
                done[index] = results
        block = False


def _child(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    batches: list[range],
    tasks: int,
    write_end: int,
) -> None:  # pragma: no cover - runs in the child, measured by its output
    import pickle

    code = 0
    try:
        with os.fdopen(write_end, "wb") as pipe:
            try:
                while (index := _claim(tasks)) is not None:
                    results = [func(items[i]) for i in batches[index]]
                    pickle.dump(("ok", index, results), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    pipe.flush()
                pickle.dump(("done", None, None), pipe)
            except KeyboardInterrupt:
                pickle.dump(("interrupted", None, None), pipe)
                code = 130
            except BaseException as error:  # everything goes back to the parent
                pickle.dump(("error", None, f"{type(error).__name__}: {error}"), pipe)
                code = 1
    except BaseException:
        code = code or 1  # the parent is gone or stopped reading
    finally:
        os._exit(code)


def _receive(pid: int, reader: BinaryIO) -> tuple[int, list[Any]] | None:
    """One batch's results from a worker, or None when it has taken its last."""
    import pickle

    try:
        kind, index, value = pickle.load(reader)
    except EOFError:
        _, status = os.waitpid(pid, 0)
        raise WorkerError(f"worker process {pid} died (wait status {status})") from None
    if kind == "interrupted":
        raise KeyboardInterrupt
    if kind == "error":
        raise WorkerError(f"worker process {pid} failed: {value}")
    if kind == "done":
        return None
    return index, list(value)


def _reap(pid: int, reader: BinaryIO) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        reader.close()


def _run_batch(job: tuple[Callable[[Any], Any], Sequence[Any]]) -> list[Any]:
    func, batch = job
    return [func(item) for item in batch]


def _pool_map(
    func: Callable[[Item], Result],
    items: Sequence[Item],
    jobs: int,
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> Iterator[Result]:  # pragma: no cover - platforms without fork
    import multiprocessing

    batches = [(func, [items[i] for i in batch]) for batch in _batches(len(items), jobs)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer, initargs) as pool:
        for results in pool.imap(_run_batch, batches):
            yield from results

"""Spread per-file work over the machine's cores, keeping results in input order.

Where the OS can fork, this process forks ``jobs - 1`` children and works as the first
worker itself; each worker takes every ``jobs``-th batch of files and sends back only its
small results (findings, summaries, never parsed recordings) through a pipe, batch by batch. That
costs a few milliseconds, where ``multiprocessing.Pool`` spent more on feeding batches
through its queues than the second core won on a corpus of a thousand files (measured in
bench/README.md). Elsewhere a spawn-based pool does the same job.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
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
) -> Iterator[Result]:
    """``map(func, items)`` over ``jobs`` processes, yielding results in input order.

    ``jobs=None`` means one process per CPU (one process for a handful of items).
    ``initializer(*initargs)`` prepares every process that calls ``func``; with fork it runs
    once, before forking, and the workers inherit what it set up.
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
            yield from _forked_map(func, items, jobs)
        else:  # pragma: no cover - Windows
            yield from _pool_map(func, items, jobs, initializer, initargs)
    finally:
        if gc_was_enabled:
            gc.enable()


def _batches(count: int, jobs: int) -> list[range]:
    size = max(1, min(BATCH_SIZE, count // (jobs * 4) or 1))
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _forked_map(
    func: Callable[[Item], Result], items: Sequence[Item], jobs: int
) -> Iterator[Result]:
    batches = _batches(len(items), jobs)
    sys.stdout.flush()
    sys.stderr.flush()
    children: dict[int, tuple[int, BinaryIO]] = {}
    try:
        for worker in range(1, jobs):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, measured by its output
                os.close(read_end)
                _child(func, items, batches[worker::jobs], write_end)
            os.close(write_end)
            children[worker] = (pid, os.fdopen(read_end, "rb"))
        # Batch k is worker k % jobs's; results stream back batch by batch through the
        # pipes (which hold a worker back when the reader lags), so memory stays flat.
        for index, batch in enumerate(batches):
            worker = index % jobs
            if worker == 0:
                yield from [func(items[i]) for i in batch]
            else:
                yield from _receive(*children[worker])
        for pid, reader in children.values():
            reader.close()
            _, status = os.waitpid(pid, 0)
            if status != 0:
                raise WorkerError(f"worker process {pid} ended badly (wait status {status})")
        children.clear()
    finally:
        # Interrupted, failed or abandoned: leave no worker behind.
        for pid, reader in children.values():
            _reap(pid, reader)


def _child(
    func: Callable[[Any], Any], items: Sequence[Any], batches: list[range], write_end: int
) -> None:  # pragma: no cover - runs in the child, measured by its output
    code = 0
    try:
        with os.fdopen(write_end, "wb") as pipe:
            try:
                for batch in batches:
                    results = [func(items[i]) for i in batch]
                    pickle.dump(("ok", results), pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    pipe.flush()
            except KeyboardInterrupt:
                pickle.dump(("interrupted", None), pipe)
                code = 130
            except BaseException as error:  # everything goes back to the parent
                pickle.dump(("error", f"{type(error).__name__}: {error}"), pipe)
                code = 1
    except BaseException:
        code = code or 1  # the parent is gone or stopped reading
    finally:
        os._exit(code)


def _receive(pid: int, reader: BinaryIO) -> list[Any]:
    try:
        kind, value = pickle.load(reader)
    except EOFError:
        _, status = os.waitpid(pid, 0)
        raise WorkerError(f"worker process {pid} died (wait status {status})") from None
    if kind == "interrupted":
        raise KeyboardInterrupt
    if kind == "error":
        raise WorkerError(f"worker process {pid} failed: {value}")
    return list(value)


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

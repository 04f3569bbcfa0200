"""Ctrl-C during a command that writes: finish the file in hand, then stop.

Inside ``deferred_interrupt()`` the first SIGINT only raises a flag; loops check it between
files, stop, report what they did, and the command exits 130. A second Ctrl-C interrupts at
once (the writes are atomic, so even that leaves every file whole).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType


@dataclass
class Interruption:
    requested: bool = False


@contextmanager
def deferred_interrupt() -> Iterator[Interruption]:
    state = Interruption()
    if threading.current_thread() is not threading.main_thread():
        yield state  # signals reach the main thread only
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if state.requested:
            raise KeyboardInterrupt
        state.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)

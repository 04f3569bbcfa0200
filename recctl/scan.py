"""Which of several regexes occur in some bytes, in one pass.

The secret scan and the hash schemes ask of every file, or of every request's canonical
JSON, whether any of a handful of patterns occurs before doing the real work. Python's
``re`` takes one pass per pattern; hyperscan takes one pass for all of them, a tenth of the
time for the secret patterns on the shared corpus (bench/scan_engines.py). Where hyperscan
has no wheel, ``re`` answers the same question pattern by pattern.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, AnyStr

# About what the ``re`` passes over this much cost, compared with hyperscan's set-up.
COMPILE_AFTER = 256 * 1024


class PatternSet:
    """Regexes (bytes, in the syntax ``re`` and hyperscan share) asked of a text at once.

    Importing hyperscan and compiling the patterns costs a few milliseconds, more than
    ``re`` spends on the handful of files a pre-commit hook checks: the database is compiled
    once ``compile_after`` bytes have been scanned, and ``re`` answers until then.
    """

    def __init__(
        self,
        patterns: Sequence[bytes],
        compile_after: int = COMPILE_AFTER,
        hints: range = range(0),
    ) -> None:
        """``compile_after``: bytes scanned with ``re`` before hyperscan is set up (0: at
        once). ``hints``: patterns whose match only sends the caller to an exact check,
        and which ``re`` would cost more to ask than the check: ``re`` reports them all
        present."""
        if hints and hints.stop != len(patterns):
            raise ValueError("the hints are the last patterns")
        self.patterns = tuple(patterns)
        self.compile_after = compile_after
        self.hints = hints
        self._compiled: tuple[re.Pattern[bytes], ...] = ()
        self._database: Any = None
        self._scanned = 0
        self._tried = False

    def _compile(self) -> Any:
        self._tried = True
        try:
            import hyperscan
        except ImportError:  # where it has no wheel
            return None
        from recctl import pattern_cache

        def compile_now() -> Any:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=list(self.patterns),
                ids=list(range(len(self.patterns))),
                elements=len(self.patterns),
                flags=hyperscan.HS_FLAG_SINGLEMATCH,
            )
            return database

        flags = hyperscan.HS_FLAG_SINGLEMATCH
        return pattern_cache.database(hyperscan, self.patterns, flags, compile_now)

    def present(self, data: bytes) -> set[int]:
        """The indexes of the patterns that match somewhere in ``data``."""
        if self._database is None and not self._tried:
            self._scanned += len(data)
            if self._scanned >= self.compile_after:
                self._database = self._compile()
        if self._database is None:
            return self.present_by_re(data)
        found: set[int] = set()

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            found.add(index)

        self._database.scan(data, match_event_handler=on_match)
        return found

    @property
    def assumes_hints(self) -> bool:
        """Whether ``present`` reports every hint without asking (``re`` answers)."""
        return self._database is None and bool(self.hints)

    def present_by_re(self, data: bytes) -> set[int]:
        """The same answer from ``re``, one pass per pattern."""
        if not self._compiled:
            asked = self.patterns[: self.hints.start] if self.hints else self.patterns
            self._compiled = tuple(re.compile(pattern) for pattern in asked)
        found = {index for index, pattern in enumerate(self._compiled) if pattern.search(data)}
        return found.union(self.hints)


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A regex compiled when first used: a command that never asks it pays nothing for it
    (compiling costs start-up, which every pre-commit run pays)."""
    return functools.cache(lambda: re.compile(pattern, flags))

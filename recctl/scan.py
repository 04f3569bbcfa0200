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
    ``re`` spends on the handful of files a pre-commit hook checks: the database is set up
    once ``compile_after`` bytes have been scanned, and ``re`` answers until then. A
    compiled database is kept between runs (``recctl.pattern_cache``) and loaded.

    Hints are patterns whose match only sends the caller to an exact check. ``re`` does not
    ask them (asking costs more than the check): it reports them all present. Where no
    compiled database is kept, the hints are compiled in only once ``hints_compile_after``
    bytes have been scanned (they cost most of the compile time, and pay for it only over
    a large corpus); until then they too are reported present.
    """

    def __init__(
        self,
        patterns: Sequence[bytes],
        compile_after: int = COMPILE_AFTER,
        hints: range = range(0),
        hints_compile_after: int = 0,
        every_match: bool = False,
    ) -> None:
        if hints and hints.stop != len(patterns):
            raise ValueError("the hints are the last patterns")
        self.patterns = tuple(patterns)
        self.compile_after = compile_after
        self.hints = hints
        self.hints_compile_after = hints_compile_after
        # Each pattern reports once per scan (the question is whether it occurs), unless
        # the set is asked where its patterns occur (``ends``).
        self._flags = 0 if every_match else _SINGLE_MATCH
        self._compiled: tuple[re.Pattern[bytes], ...] = ()
        self._database: Any = None
        self._with_hints = not hints
        self._scanned = 0
        self._tried = False
        self._hyperscan: Any = None

    def _set_up(self) -> None:
        """Load or compile the database once enough has been scanned (with the hints
        once enough more has)."""
        if not self._tried:
            if self._scanned < self.compile_after:
                return
            self._tried = True
            try:
                import hyperscan
            except ImportError:  # where it has no wheel
                return
            from recctl import pattern_cache

            self._hyperscan = hyperscan
            if self.hints.start and self._scanned < self.hints_compile_after:
                # The whole set when it is kept; else the set less its hints, for now.
                kept = pattern_cache.load(hyperscan, self.patterns, self._flags)
                if kept is not None:
                    self._database, self._with_hints = kept, True
                    return
                self._database = self._compiled_database(self.patterns[: self.hints.start])
                return
        elif self._database is None or self._scanned < self.hints_compile_after:
            return
        self._database = self._compiled_database(self.patterns)
        self._with_hints = True

    def _compiled_database(self, patterns: Sequence[bytes]) -> Any:
        from recctl import pattern_cache

        hyperscan = self._hyperscan

        def compile_now() -> Any:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=list(patterns),
                ids=list(range(len(patterns))),
                elements=len(patterns),
                flags=self._flags,
            )
            return database

        return pattern_cache.database(hyperscan, patterns, self._flags, compile_now)

    def set_up_now(self) -> None:
        """Load or compile the database now, as if ``compile_after`` bytes had been scanned
        already: for a run about to scan far more (set up once, before it forks its
        workers, where each would answer by ``re`` at first and then set it up itself)."""
        if not self._tried:
            self._scanned = max(self._scanned, self.compile_after)
            self._set_up()

    def present(self, data: bytes) -> set[int]:
        """The indexes of the patterns that match somewhere in ``data``."""
        if not self._tried or not self._with_hints:
            self._scanned += len(data)
            self._set_up()
        if self._database is None:
            return self.present_by_re(data)
        found: set[int] = set()

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            found.add(index)

        self._database.scan(data, match_event_handler=on_match)
        return found if self._with_hints else found.union(self.hints)

    def ends(self, data: bytes, limit: int) -> list[tuple[int, int]] | None:
        """(pattern index, end offset) of every match in ``data``, in one pass, for a set
        made with ``every_match``; None while ``re`` answers (hyperscan not set up: the
        caller's own search is cheaper then) and past ``limit`` matches (the caller's own
        search costs less than a call per match)."""
        self._scanned += len(data)
        self._set_up()
        if self._database is None:
            return None
        matches: list[tuple[int, int]] = []
        add = matches.append

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> bool:
            add((index, end))
            return len(matches) > limit  # True stops the scan

        try:
            self._database.scan(data, match_event_handler=on_match)
        except self._hyperscan.ScanTerminated:
            return None
        return matches

    @property
    def assumes_hints(self) -> bool:
        """Whether ``present`` reports every hint without asking."""
        return not self._with_hints or self._database is None

    def present_by_re(self, data: bytes) -> set[int]:
        """The same answer from ``re``, one pass per pattern (less the hints, reported)."""
        if not self._compiled:
            asked = self.patterns[: self.hints.start] if self.hints else self.patterns
            self._compiled = tuple(re.compile(pattern) for pattern in asked)
        found = {index for index, pattern in enumerate(self._compiled) if pattern.search(data)}
        return found.union(self.hints)


_SINGLE_MATCH = 8  # hyperscan.HS_FLAG_SINGLEMATCH, without importing hyperscan to say so


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A regex compiled when first used: a command that never asks it pays nothing for it
    (compiling costs start-up, which every pre-commit run pays)."""
    return functools.cache(lambda: re.compile(pattern, flags))

"""Which of several regexes occur in some bytes, in one pass.

The secret scan and the hash schemes ask of every file, or of every request's canonical
JSON, whether any of a handful of patterns occurs before doing the real work. Python's
``re`` takes one pass per pattern; hyperscan takes one pass for all of them, a tenth of the
time for the secret patterns on the shared corpus (bench/scan_engines.py). Where hyperscan
has no wheel, ``re`` answers the same question pattern by pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


class PatternSet:
    """Regexes (bytes, in the syntax ``re`` and hyperscan share) asked of a text at once.

    The hyperscan database is compiled on first use: call :meth:`prepare` before forking
    workers so that they inherit it.
    """

    def __init__(self, patterns: Sequence[bytes]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = tuple(re.compile(pattern) for pattern in self.patterns)
        self._database: Any = None
        self._ready = False

    def prepare(self) -> None:
        if self._ready:
            return
        self._ready = True
        try:
            import hyperscan
        except ImportError:  # where it has no wheel
            return
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=list(self.patterns),
            ids=list(range(len(self.patterns))),
            elements=len(self.patterns),
            flags=hyperscan.HS_FLAG_SINGLEMATCH,
        )
        self._database = database

    def present(self, data: bytes) -> set[int]:
        """The indexes of the patterns that match somewhere in ``data``."""
        self.prepare()
        if self._database is None:
            return self.present_by_re(data)
        found: set[int] = set()

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            found.add(index)

        self._database.scan(data, match_event_handler=on_match)
        return found

    def present_by_re(self, data: bytes) -> set[int]:
        """The same answer from ``re``, one pass per pattern."""
        return {index for index, pattern in enumerate(self._compiled) if pattern.search(data)}

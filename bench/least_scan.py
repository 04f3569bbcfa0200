"""The least a secret check on this machine's cores can cost: Python starts, imports typer
(the command line's framework, which issue #30 keeps) and hyperscan (the fastest engine
``scan_engines.py`` measured), compiles the secret rules' leading literals, forks as
many workers as ``recctl check`` runs (``default_jobs``), and each reads its share of the
recordings (as ``floor.py`` finds them) and scans every byte once; the parent scans a share
too, then waits for the others. Nothing is verified, decoded or reported.

Unlike ``least_read.py`` (one process, no scan), this is a bound for a run that spreads its
files over every core, as ``recctl check`` does: ``cold.py`` times it beside the floor, and
a limit under it is out of any such run's reach.
"""

from __future__ import annotations

import os
import sys

import hyperscan
import typer  # noqa: F401  (imported for its cost, which every recctl command pays)
from floor import recording_paths

from recctl.parallel import default_jobs
from recctl.secret_rules import RULES


def scanner() -> hyperscan.Database:
    """The rules' leading literals in one database: a match anywhere is all a scan asks."""
    patterns = [rule.prefix for rule in RULES]
    database = hyperscan.Database()
    database.compile(
        expressions=patterns,
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(patterns),
    )
    return database


def scan_share(database: hyperscan.Database, paths: list[str]) -> int:
    hits = 0

    def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
        nonlocal hits
        hits += 1

    for path in paths:
        with open(path, "rb") as handle:
            database.scan(handle.read(), match_event_handler=on_match)
    return hits


def main(root: str) -> int:
    database = scanner()
    paths = list(recording_paths(root))
    workers = default_jobs()  # as many as recctl check forks
    children = []
    for share in range(1, workers):
        pid = os.fork()
        if pid == 0:
            scan_share(database, paths[share::workers])
            os._exit(0)
        children.append(pid)
    hits = scan_share(database, paths[0::workers])
    for pid in children:
        os.waitpid(pid, 0)
    return hits


if __name__ == "__main__":
    print(main(sys.argv[1]))

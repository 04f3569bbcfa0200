"""The least any warm run of ``recctl check`` can cost: Python starts, imports typer (the
command line's framework, which issue #30 keeps), finds every recording as ``floor.py``
does, takes each one's ``stat`` (what tells a cached verdict is still good) and reads and
parses the result cache, without looking anything up or reporting.

``cold.py`` times it beside the warm check at 10x: when this alone is over the limit, so
is every warm check, however fast its lookups and its report.
"""

from __future__ import annotations

import os
import sys

import orjson
import typer  # noqa: F401  (imported for its cost, which every recctl command pays)
from floor import recording_paths


def main(root: str) -> int:
    stats = [os.stat(path) for path in recording_paths(root)]
    cache = os.path.join(root, ".recctl_cache")
    entries = 0
    for name in os.listdir(cache):
        if name.startswith("check-"):
            with open(os.path.join(cache, name), "rb") as handle:
                entries += len(orjson.loads(handle.read())["entries"])
    return len(stats) + entries


if __name__ == "__main__":
    print(main(sys.argv[1]))

"""The least any run of ``recctl check`` can cost that scans every file for keys: Python
starts, imports typer (the command line's framework, which issue #30 keeps) and reads every
recording's bytes, as ``floor.py`` finds them, without parsing or scanning them.

``cold.py`` times it beside the floor: when this alone is over a limit, so is every secret
check, however fast its scan.
"""

from __future__ import annotations

import sys

import typer  # noqa: F401  (imported for its cost, which every recctl command pays)
from floor import recording_paths


def main(root: str) -> int:
    size = 0
    for path in recording_paths(root):
        with open(path, "rb") as handle:
            size += len(handle.read())
    return size


if __name__ == "__main__":
    print(main(sys.argv[1]))

"""The least any run of ``recctl check`` can cost that scans every file for keys: Python
starts, imports typer (the command line's framework, which issue #30 keeps) and reads every
recording's bytes, as ``floor.py`` finds them, without parsing or scanning them.

``cold.py`` times it beside the floor: when this alone is over a limit, so is every secret
check, however fast its scan.
"""

from __future__ import annotations

import os
import sys

import typer  # noqa: F401  (imported for its cost, which every recctl command pays)


def main(root: str) -> int:
    size = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), "rb") as handle:
                    size += len(handle.read())
    return size


if __name__ == "__main__":
    print(main(sys.argv[1]))

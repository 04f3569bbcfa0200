"""The floor: one Python process that finds, reads and orjson-parses every recording.

No tool that reads every file can beat this; recctl's commands are measured against it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator


def recording_paths(root: str) -> Iterator[str]:
    """Every recording under ``root``: each ``.json`` file, as ``os.walk`` finds them."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".json"):
                yield os.path.join(dirpath, name)


def main(root: str) -> int:
    import orjson  # here, so that least_read.py can walk as the floor does without it

    count = 0
    for path in recording_paths(root):
        with open(path, "rb") as handle:
            orjson.loads(handle.read())
        count += 1
    return count


if __name__ == "__main__":
    print(main(sys.argv[1]))

"""The floor: one Python process that finds, reads and orjson-parses every recording.

No tool that reads every file can beat this; recctl's commands are measured against it.
"""

from __future__ import annotations

import os
import sys

import orjson


def main(root: str) -> int:
    count = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), "rb") as handle:
                    orjson.loads(handle.read())
                count += 1
    return count


if __name__ == "__main__":
    print(main(sys.argv[1]))

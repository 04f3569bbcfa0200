"""The cassettes' floor: one Python process that finds, reads and PyYAML-C-loads every
cassette (``*.yaml``, ``*.yml`` below a ``cassettes`` folder).

No tool that reads every cassette with the library VCR.py writes them with can beat this.
"""

from __future__ import annotations

import os
import sys

import yaml


def main(root: str) -> int:
    count = 0
    for dirpath, _, filenames in os.walk(root):
        if f"{os.sep}cassettes" not in dirpath:
            continue
        for name in filenames:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(dirpath, name), "rb") as handle:
                    yaml.load(handle.read(), Loader=yaml.CSafeLoader)
                count += 1
    return count


if __name__ == "__main__":
    print(main(sys.argv[1]))

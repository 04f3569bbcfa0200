"""What ``pytest --recctl-used`` costs a replay run that opens thousands of files.

    python bench/plugin_overhead.py [--tests N] [--opens N] [--rounds N]

A generated suite of N tests, each opening N recordings (and as many files outside any
``recordings`` folder, which the hook must pass over), is run as whole pytest processes:
without the plugin, and with ``--recctl-used``. Rows are the fastest of the rounds, with
their ratio measured in the same run; then the hook's cost per event of a process that
is not interested (the price every other ``open`` pays while the plugin is active).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ENV

SUITE = """
from pathlib import Path

HERE = Path(__file__).parent
RECORDINGS = HERE / "recordings"
OTHER = HERE / "data"


def _read(count, index):
    for number in range(count):
        (RECORDINGS / f"{{(index * count + number) % {files}:05}}.json").read_bytes()
        (OTHER / f"{{(index * count + number) % {files}:05}}.txt").read_bytes()

{tests}
"""


def make_suite(directory: Path, tests: int, opens: int) -> None:
    files = tests * opens
    (directory / "recordings").mkdir()
    (directory / "data").mkdir()
    for number in range(files):
        (directory / "recordings" / f"{number:05}.json").write_text('{"x": 1}\n')
        (directory / "data" / f"{number:05}.txt").write_text("x\n")
    (directory / "pyproject.toml").write_text('[project]\nname = "bench"\n')
    body = "\n".join(
        f"def test_{index}():\n    _read({opens}, {index})\n" for index in range(tests)
    )
    (directory / "test_suite.py").write_text(SUITE.format(files=files, tests=body))


def run(directory: Path, extra: list[str], rounds: int) -> float:
    best = float("inf")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, cwd=directory, env=ENV, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


HOOK_COST = """
import os, time, sys
from recctl import pytest_plugin as plugin
path = sys.argv[1]
def opens():
    start = time.perf_counter()
    for _ in range(20000):
        open(path, "rb").close()
    return time.perf_counter() - start
bare = min(opens() for _ in range(3))
plugin._recorder = plugin.UsageRecorder(os.getcwd(), ())
sys.addaudithook(plugin._audit)
hooked = min(opens() for _ in range(3))
print(f"{(hooked - bare) / 20000 * 1e9:.0f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--opens", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        make_suite(directory, options.tests, options.opens)
        total = options.tests * options.opens
        plain = run(directory, [], options.rounds)
        logged = run(directory, ["--recctl-used=used.jsonl"], options.rounds)
        lines = (directory / "used.jsonl").read_text().splitlines()
        cost = subprocess.run(
            [sys.executable, "-c", HOOK_COST, str(directory / "data" / "00000.txt")],
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    print(f"{options.tests} tests, {total} recordings opened and {total} other files")
    print("| run | time | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| pytest | {plain:.3f} s | 1.00x |")
    print(f"| pytest --recctl-used | {logged:.3f} s | {logged / plain:.2f}x |")
    print(f"log: {len(lines) - 1} tests; the hook adds {cost} ns to an open it passes over")


if __name__ == "__main__":
    main()

"""What ``pytest --recctl-used`` costs a replay run that opens thousands of files.

    python bench/plugin_overhead.py [--tests N] [--opens N] [--rounds N] [--subprocesses]

A generated suite of N tests, each opening N recordings (and as many files outside any
``recordings`` folder, which the hook must pass over), is run as whole pytest processes:
without the plugin, and with ``--recctl-used``. With ``--subprocesses`` each test does its
reading in a Python subprocess it starts (a server, a worker), which the plugin measures
through the start-up hook the package installs. Rows are the fastest of the rounds, with
their ratio measured in the same run; then the hook's cost per event of a process that
is not interested (the price every other ``open`` pays while the plugin is active).
"""

from __future__ import annotations

import argparse
import json
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


def _read_in_a_subprocess(count, index):
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_suite; "
        "test_suite._read(int(sys.argv[2]), int(sys.argv[3]))"
    )
    subprocess.run([sys.executable, "-c", code, str(HERE), str(count), str(index)], check=True)

{tests}
"""


def make_suite(directory: Path, tests: int, opens: int, subprocesses: bool = False) -> None:
    files = tests * opens
    (directory / "recordings").mkdir()
    (directory / "data").mkdir()
    for number in range(files):
        (directory / "recordings" / f"{number:05}.json").write_text('{"x": 1}\n')
        (directory / "data" / f"{number:05}.txt").write_text("x\n")
    (directory / "pyproject.toml").write_text('[project]\nname = "bench"\n')
    reader = "_read_in_a_subprocess" if subprocesses else "_read"
    body = "\n".join(
        f"def test_{index}():\n    {reader}({opens}, {index})\n" for index in range(tests)
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
    parser.add_argument(
        "--subprocesses", action="store_true", help="each test reads in a subprocess it starts"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        make_suite(directory, options.tests, options.opens, options.subprocesses)
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
    where = ", each in a subprocess" if options.subprocesses else ""
    print(f"{options.tests} tests{where}, {total} recordings opened and {total} other files")
    print("| run | time | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| pytest | {plain:.3f} s | 1.00x |")
    print(f"| pytest --recctl-used | {logged:.3f} s | {logged / plain:.2f}x |")
    opened = sum(
        sum(json.loads(line).get("opened", {}).values()) for line in lines[1:] if line.strip()
    )
    print(f"log: {len(lines) - 1} tests, {opened} opens; the hook adds {cost} ns to an open it")
    print("passes over")


if __name__ == "__main__":
    main()

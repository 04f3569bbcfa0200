"""Time recctl's commands against the floor, in one run, alternating, as whole processes.

    python bench/bench.py                      # every scenario on ../shared/corpus
    python bench/bench.py --rounds 15 validate # one scenario, more rounds

Each round runs every command once, in turn, so that drift in the machine's load touches
all of them alike. Prints the median and minimum wall time of each command and its ratio to
the first command's median: the floor (one Python process that reads and orjson-parses every
file), or for ``show`` the validation of the one file that it shows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import ENV, REPO, SHARED_CORPUS, floor_argv, folder

SCHEMA = REPO / "schemas" / "recording.schema.json"


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    cwd: Path = REPO


def recctl(*args: str) -> list[str]:
    return [sys.executable, "-m", "recctl", *args]


def json_files(corpus: Path) -> list[str]:
    return sorted(str(path) for path in corpus.rglob("*.json"))


def validate_scenario(corpus: Path) -> list[Command]:
    commands = [
        floor(corpus),
        Command("recctl validate", recctl("validate", str(corpus))),
        Command("recctl validate --jobs 1", recctl("validate", "--jobs", "1", str(corpus))),
    ]
    checker = shutil.which("check-jsonschema")
    if checker:
        files = json_files(corpus)
        commands.append(Command("check-jsonschema", [checker, "--schemafile", str(SCHEMA), *files]))
    return commands


def floor(corpus: Path) -> Command:
    return Command("floor (read + orjson.loads)", floor_argv(corpus))


def rehash_scenario(corpus: Path) -> list[Command]:
    return [
        floor(corpus),
        Command("recctl rehash", recctl("rehash", "--exit-zero", str(corpus))),
        Command("recctl rehash --jobs 1", recctl("rehash", "--exit-zero", "-j", "1", str(corpus))),
    ]


CC0156 = "cc0156eadb588e2cdfb9d4d0db0355b6a1d6c57e467f136f45586b73bf95766d"


def show_scenario(corpus: Path) -> list[Command]:
    # One file among all the corpus's: the prefix lookup reads names, then parses one file.
    [one] = list(corpus.rglob(f"{CC0156}.json"))
    return [
        Command("recctl validate ONE_FILE", recctl("validate", str(one)), corpus),
        Command("recctl show cc0156 (prefix lookup)", recctl("show", "cc0156"), corpus),
        Command("recctl show -f json cc0156", recctl("show", "-f", "json", "cc0156"), corpus),
    ]


def ls_scenario(corpus: Path) -> list[Command]:
    return [
        floor(corpus),
        Command(
            "recctl ls --summary --by model",
            recctl("ls", "--summary", "--by", "model", str(corpus)),
        ),
        Command("recctl show -f json CORPUS", recctl("show", "-f", "json", str(corpus))),
    ]


def check_one_scenario(corpus: Path) -> list[Command]:
    # What a pre-commit hook pays on every commit: one file, whole processes.
    [one] = list(corpus.rglob(f"{CC0156}.json"))
    commands = [Command("recctl check ONE_FILE", recctl("check", str(one)), corpus)]
    checker = shutil.which("check-jsonschema")
    if checker:
        commands.append(
            Command("check-jsonschema ONE_FILE", [checker, "--schemafile", str(SCHEMA), str(one)])
        )
    script = shutil.which("recctl")
    if script:
        commands.append(
            Command("recctl (console script) check", [script, "check", str(one)], corpus)
        )
    return commands


def check_scenario(corpus: Path) -> list[Command]:
    return [
        floor(corpus),
        Command("recctl check", recctl("check", str(corpus))),
        Command("recctl check --jobs 1", recctl("check", "-j", "1", str(corpus))),
        Command(
            "recctl check --select schema,secret",
            recctl("check", "--select", "schema,secret", str(corpus)),
        ),
    ]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def diff_scenario(corpus: Path) -> list[Command]:
    """A git repository whose last two commits touch 350 recordings each: one re-normalizes
    ids and timestamps, one re-records with stream_options under new names."""
    import json
    import tempfile

    repo = Path(tempfile.mkdtemp(prefix="recctl-bench-diff-"))
    _git(repo, "init", "-q")
    sources = [
        path
        for path in sorted(corpus.rglob("*.json"))
        if "/recordings/responses/" not in str(path) and b'"test_id"' in path.read_bytes()
    ][:350]
    documents = []
    for index, path in enumerate(sources):
        data = json.loads(path.read_bytes())
        raw = json.loads(json.dumps(data))
        body = raw["response"]["body"]
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict) and isinstance(item.get("__data__"), dict):
                item["__data__"]["created"] = 1760000000 + index
        target = repo / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(raw, indent=2) + "\n")
        documents.append((target, data))
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "raw timestamps")
    for target, data in documents:
        target.write_text(json.dumps(data, indent=2) + "\n")
    _git(repo, "commit", "-qam", "normalized")
    for target, data in documents:
        target.unlink()
        if isinstance(data["request"].get("body"), dict):
            data["request"]["body"]["stream_options"] = {"include_usage": True}
        target.with_name("re" + target.name).write_text(json.dumps(data, indent=2) + "\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "re-recorded")
    return [
        Command(
            "recctl diff HEAD~2 HEAD~1 (noise)", recctl("diff", "--stat", "HEAD~2", "HEAD~1"), repo
        ),
        Command("recctl diff HEAD~1 HEAD (re-record)", recctl("diff", "HEAD~1", "HEAD"), repo),
        Command("git diff --stat HEAD~1 HEAD", ["git", "diff", "--stat", "HEAD~1", "HEAD"], repo),
    ]


SCENARIOS: dict[str, Callable[[Path], list[Command]]] = {
    "diff": diff_scenario,
    "check-one": check_one_scenario,
    "check": check_scenario,
    "validate": validate_scenario,
    "rehash": rehash_scenario,
    "show": show_scenario,
    "ls": ls_scenario,
}


def run(command: Command) -> float:
    start = time.perf_counter()
    completed = subprocess.run(
        command.argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=command.cwd,
        env=ENV,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(
            f"{command.name} exited {completed.returncode}: {completed.stderr.decode()[-500:]}"
        )
    return elapsed


def measure(commands: list[Command], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {command.name: [] for command in commands}
    for command in commands:  # warm the page cache and the imports once
        run(command)
    for _ in range(rounds):
        for command in commands:
            times[command.name].append(run(command))
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    names = list(times)
    base = statistics.median(times[names[0]])
    print(f"\n## {title}")
    print(f"{'command':<36} {'median':>9} {'min':>9} {'x first':>8}")
    for name in names:
        median = statistics.median(times[name])
        print(f"{name:<36} {median:>8.3f}s {min(times[name]):>8.3f}s {median / base:>7.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", choices=[*SCENARIOS, []], default=[])
    parser.add_argument("--corpus", type=folder, default=SHARED_CORPUS)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"no corpus at {args.corpus}")
    files = len(json_files(args.corpus))
    print(f"corpus: {args.corpus} ({files} files); {os.cpu_count()} CPUs; rounds: {args.rounds}")
    for name in args.scenarios or list(SCENARIOS):
        report(name, measure(SCENARIOS[name](args.corpus), args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())

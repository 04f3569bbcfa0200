"""A maintainer's first hour: the README's pre-commit pair, advice that converges, one set of
counts, diffs a reviewer can trust, a good command-line citizen."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import CHAT_TEST_FILE, DATA, REPO, chat, git, recctl, unnormalize

TEST_FILE = CHAT_TEST_FILE


def shadow_commit(target: Path) -> str:
    """This working tree (tracked and untracked files) committed in a repository of its own:
    what pre-commit installs, as ``try-repo`` does, so the test sees uncommitted work too."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "shadow")
    return git(target, "rev-parse", "HEAD").strip()


def readme_pre_commit_snippet() -> str:
    """The ``.pre-commit-config.yaml`` the README shows, as it is written there."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### pre-commit") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


@pytest.mark.slow
def test_the_readme_pre_commit_pair_fixes_then_passes(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed")
    shadow = tmp_path / "recctl"
    rev = shadow_commit(shadow)
    snippet = readme_pre_commit_snippet()
    assert "recctl-fix" in snippet and "recctl-check" in snippet
    config = re.sub(r"repo: \S+", f"repo: {shadow}", snippet)
    config = re.sub(r"rev: \S+", f"rev: {rev}", config)

    project = tmp_path / "project"
    recordings = project / "tests/integration/chat/recordings"
    (project / TEST_FILE).parent.mkdir(parents=True)
    (project / TEST_FILE).write_text("def test_a():\n    pass\n\n\ndef test_b():\n    pass\n")
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (project / ".pre-commit-config.yaml").write_text(config)
    recorder.write(recordings, chat("test_a", "current"))
    outdated = chat("test_b", "older")
    outdated["request"]["body"]["temperature"] = 0.1234567  # schemes 2 and 4 round it apart
    old = recorder.write(recordings, outdated, scheme="2")
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "run"], cwd=project, capture_output=True, text=True, env=env, check=False
        )

    first = run()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert not old.exists()  # renamed
    assert "no such file" not in first.stdout and "exit code: 2" not in first.stdout
    assert re.search(r"recctl check\.+Passed", first.stdout), first.stdout
    git(project, "add", "-A")
    second = run()
    assert second.returncode == 0, second.stdout + second.stderr


# --- one verdict vocabulary: the same word and count everywhere, advice that converges ----------

ADVISED = re.compile(r"recctl (?:rehash|fix|normalize|redact|prune)(?: --[a-z-]+)*")


def recctl_json(*args: str, cwd: Path) -> list[dict[str, Any]]:
    completed = recctl(*args, "-f", "json", cwd=cwd)
    assert "Traceback" not in completed.stderr, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


def words_by_command(cwd: Path) -> dict[str, dict[str, int]]:
    """How many files each command calls by each word a rename's outcome can be."""
    from collections import Counter

    rehash = Counter(r["verdict"] for r in recctl_json("rehash", "tests", cwd=cwd))
    check = Counter(
        r["message"].split(":", 1)[0]
        for r in recctl_json("check", "tests", cwd=cwd)
        if r["check"] == "hash"
    )
    fix = Counter(
        r["verdict"] for r in recctl_json("fix", "tests", cwd=cwd) if r["fix"] == "rename"
    )
    pruned = recctl_json("prune", "tests", cwd=cwd)
    not_stale: dict[str, int] = next((r["not_stale"] for r in pruned if "not_stale" in r), {})
    duplicates = {r["path"] for r in pruned if r.get("reason") == "duplicate" and "path" in r}
    words = ("outdated", "duplicate", "conflict", "re-record", "mismatch")
    return {
        "rehash": {word: rehash[word] for word in words},
        "check": {word: check[word] for word in words},
        "fix": {word: fix[word] for word in ("outdated", "duplicate", "conflict")},
        "prune": {
            "outdated": not_stale.get("outdated", 0),
            "conflict": not_stale.get("conflict", 0),
            # Prune flags every duplicate (of ok files too): the outdated ones are among them.
            "duplicate": sum(
                1
                for r in recctl_json("rehash", "tests", cwd=cwd)
                if r["verdict"] == "duplicate" and r["path"] in duplicates
            ),
        },
    }


def test_every_command_counts_each_verdict_alike_and_fix_converges(
    corpus: Path, tmp_path: Path
) -> None:
    work = tmp_path / "corpus"
    for name in ("llama-stack-1394403", "llama-stack-d1b6632-sample"):
        shutil.copytree(corpus / name / "tests", work / "tests", dirs_exist_ok=True)
    for path in work.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (work / "pyproject.toml").write_text('[project]\nname = "corpus"\n')

    before = words_by_command(work)
    # A run the result cache answers words every rename as a fresh run does (duplicates and
    # conflicts settled against the files there) without reading those files again.
    cached = {"RECCTL_NO_CACHE": ""}
    fresh = recctl("check", "-f", "json", "tests", cwd=work, env=cached)
    warm = recctl("check", "-f", "json", "tests", cwd=work, env=cached)
    assert (work / ".recctl_cache").exists()
    assert warm.stdout == fresh.stdout and '"duplicate: ' in warm.stdout
    rehash = before["rehash"]
    assert rehash["outdated"] > 0 and rehash["duplicate"] > 0  # the corpus has both
    assert before["check"] == rehash
    assert before["fix"] == {word: rehash[word] for word in ("outdated", "duplicate", "conflict")}
    assert before["prune"] == {word: rehash[word] for word in ("outdated", "conflict", "duplicate")}

    fixed = recctl("fix", "--write", "tests", cwd=work)
    assert fixed.returncode == 1 and "failed" not in fixed.stdout, fixed.stdout[-2000:]
    after = words_by_command(work)
    assert after["rehash"]["outdated"] == 0
    assert after["check"] == after["rehash"]
    assert after["prune"]["duplicate"] == after["rehash"]["duplicate"]
    # No finding advises a command that would not change it: what fix does is done; left are
    # prune --delete for duplicates (prune flags them) and the rename of a mismatch after its
    # stored request, which rehash --include-mismatch would do.
    findings = recctl_json("check", "tests", cwd=work)
    advised = {
        (f["message"].split(":", 1)[0], m.group(0))
        for f in findings
        for m in ADVISED.finditer(f["message"])
    }
    assert advised <= {
        ("duplicate", "recctl prune --delete"),
        ("mismatch", "recctl rehash --write --include-mismatch"),
    }, advised
    again = recctl("fix", "--write", "tests", cwd=work)
    assert again.returncode == 0, again.stdout[-2000:]
    assert "nothing to fix" in again.stdout


# --- a good citizen of a shell ---------------------------------------------------------------


def recctl_command() -> str:
    return f"{sys.executable} -m recctl"


@pytest.mark.parametrize(
    "command",
    ["ls", "ls --summary", "ls -f json", "show", "show -f json", "rehash", "check", "prune"],
)
def test_a_closed_pipe_ends_quietly(corpus: Path, tmp_path: Path, command: str) -> None:
    script = (
        f"set -o pipefail; {recctl_command()} {command} {corpus} 2>{tmp_path}/err"
        " | head -1 >/dev/null"
    )
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, check=False, timeout=120)
    assert run.returncode in (0, 141), command
    assert (tmp_path / "err").read_text() == "", command


def final_screen(raw: str) -> list[str]:
    """What a terminal shows once ``raw`` is written: carriage returns, newlines, cursor up
    and erase-line applied, every other escape sequence dropped."""
    lines, row, column = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]", raw):
        if token == "\n":
            row += 1
            column = 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            column = 0
        elif token.startswith("\x1b["):
            if token.endswith("A"):
                row = max(0, row - int(token[2:-1] or 1))
            elif token == "\x1b[2K":
                lines[row] = ""
        else:
            line = lines[row].ljust(column)
            lines[row] = line[:column] + token + line[column + 1 :]
            column += 1
    return lines


def test_no_progress_bar_is_left_on_the_terminal(corpus: Path, tmp_path: Path) -> None:
    if shutil.which("script") is None:
        pytest.skip("no script(1) to give recctl a terminal")
    inner = f"{recctl_command()} ls {corpus} | head -1 >/dev/null"
    run = subprocess.run(
        ["script", "-qc", inner, "/dev/null"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        timeout=120,
        env={**os.environ, "COLUMNS": "80", "TERM": "xterm"},
    )
    # Bytes: text mode would turn every carriage return into a newline.
    screen = run.stdout.decode("utf-8", "replace")
    assert "reading recordings" in screen  # the bar was shown: the terminal is real
    assert not any("reading recordings" in line for line in final_screen(screen))


def test_without_git_every_git_command_is_one_error_line(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "recordings").mkdir(parents=True)
    recorder.write(project / "recordings", chat("test_a", "x"))
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    env = {"PATH": str(tmp_path / "nothing-here"), "HOME": str(tmp_path)}
    for args in (["check", "--changed", "project/recordings"], ["diff", "HEAD~1", "HEAD"]):
        run = recctl(*args, cwd=tmp_path, env=env)
        assert run.returncode == 2, run.stderr
        assert run.stderr.startswith("recctl: error: ") and len(run.stderr.splitlines()) == 1
        assert "git is not on PATH" in run.stderr


# --- diffs a reviewer can trust ------------------------------------------------------------------


def test_diff_pairs_renames_within_one_test_function_and_says_if_the_hash_moves(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    recordings = repo / "tests/integration/chat/recordings"
    (repo / "pyproject.toml").parent.mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    question = "tell me everything about the rings of saturn and its moons"

    def stream(test: str, asked: str = question) -> dict[str, Any]:
        return chat(test, asked)

    def plain(test: str, max_tokens: int) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((DATA / "recordings" / "chat-body.json").read_text())
        data["test_id"] = f"{TEST_FILE}::{test}"
        data["request"]["body"]["messages"][0]["content"] = question
        data["request"]["body"]["max_tokens"] = max_tokens
        return data

    headers = chat("test_headers", "a question about jupiter and its great red spot")
    old_stream = recorder.write(recordings, stream("test_stream[model-a]"))
    old_plain = recorder.write(recordings, plain("test_plain[model-a]", 50))
    header_file = recorder.write(recordings, headers)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "recorded")
    # The parametrized test's model id changed; its non-streaming sibling was re-recorded
    # with another max_tokens; a header of a third recording changed (headers are not hashed).
    old_stream.unlink()
    old_plain.unlink()
    rerecorded = stream("test_stream[model-b]", question + " please be brief")
    for chunk in rerecorded["response"]["body"]:
        for choice in chunk["__data__"]["choices"]:
            choice["delta"]["content"] = "Another model answers differently."
    recorder.write(recordings, rerecorded)
    recorder.write(recordings, plain("test_plain[model-a]", 60))
    # A new test elsewhere asks exactly the old question: more alike than the test's own
    # re-recording, and still not the same test.
    recorder.write(recordings, stream("test_new_feature"))
    headers["request"]["headers"] = {"X-Trace": "after"}
    assert recorder.write(recordings, headers) == header_file
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "re-recorded")

    records = recctl_json("diff", "HEAD~1", "HEAD", cwd=repo)
    renamed = [r for r in records if r.get("status") == "renamed"]
    assert len(renamed) == 2, records
    for record in renamed:
        old_test = json.loads(git(repo, "show", f"HEAD~1:{record['old_path']}"))["test_id"]
        new_test = json.loads(git(repo, "show", f"HEAD:{record['new_path']}"))["test_id"]
        assert old_test.split("[")[0] == new_test.split("[")[0], (old_test, new_test)
    changes = [change for record in records for change in record.get("changes", [])]
    max_tokens = [c for c in changes if c.get("key") == "/body/max_tokens"]
    assert max_tokens and all(c["hash"] == "moves" for c in max_tokens)
    header = [c for c in changes if str(c.get("key", "")).startswith("/headers")]
    assert header and all(c["hash"] == "stays" for c in header)
    assert all(len(c) > 1 for c in changes)  # no row that names a change and shows none
    text = recctl("diff", "HEAD~1", "HEAD", cwd=repo).stdout
    assert "moves the request hash" in text and "the request hash stays" in text


# --- why and coverage draw the right conclusion --------------------------------------------------


def why_project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    (project / TEST_FILE).parent.mkdir(parents=True)
    (project / TEST_FILE).write_text("def test_a():\n    pass\n")
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    (project / "tests/integration/common/recordings").mkdir(parents=True)
    path = recorder.write(project / "tests/integration/chat/recordings", chat("test_a", "hi"))
    return project, path


def test_why_uses_the_file_s_own_test_id_and_says_so_first(tmp_path: Path) -> None:
    _, path = why_project(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "recctl", "why", path.stem[:8], "--root", "project"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    first, second = run.stdout.splitlines()[:2]
    assert first == f"{path.stem[:8]}: found"
    assert "is where replay looks" in second
    # Every folder replay reads, the shared fallback included.
    assert "\n  project/tests/integration/chat/recordings/\n" in run.stdout
    assert "\n  project/tests/integration/common/recordings/\n" in run.stdout


def test_why_calls_a_twin_under_another_name_misnamed(tmp_path: Path) -> None:
    _, path = why_project(tmp_path)
    misnamed = path.with_name("ab" * 32 + ".json")
    path.rename(misnamed)
    request = tmp_path / "live.json"
    data = chat("test_a", "hi")
    request.write_text(json.dumps({"test_id": data["test_id"], "request": data["request"]}))
    [report] = recctl_json(
        "why", path.stem, "--request", str(request), "--root", "project", cwd=tmp_path
    )
    assert report["verdict"] == "misnamed"
    assert f"{misnamed.name} holds this very request under another name" in report["conclusion"]
    assert "recctl rehash --write" in report["conclusion"]


def test_why_says_when_it_lists_the_test_s_recordings_of_other_endpoints(tmp_path: Path) -> None:
    why_project(tmp_path)
    data = chat("test_a", "hi")
    data["request"]["url"] = "http://localhost:11434/v1/completions"
    data["request"]["endpoint"] = "/v1/completions"
    request = tmp_path / "live.json"
    request.write_text(json.dumps({"test_id": data["test_id"], "request": data["request"]}))
    why = ["why", "cd" * 32, "--request", str(request), "--root", "project"]
    run = recctl(*why, cwd=tmp_path)
    assert "(none at /v1/completions: every endpoint)" in run.stdout
    assert "at /v1/completions, newest" not in run.stdout


def test_coverage_reports_skipped_tests_apart(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tests/recordings").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\n[tool.recctl]\n')
    recorded = recorder.write(project / "tests/recordings", chat("test_a", "x"))
    header = {"recctl-used": 1, "root": str(project.resolve()), "rootdir": str(project)}
    tests = [
        {
            "test": "t.py::test_a",
            "outcome": "passed",
            "opened": {"tests/recordings/" + recorded.name: 1},
        },
        {"test": "t.py::test_live", "outcome": "passed", "opened": {}},
        {"test": "t.py::test_skipped", "outcome": "skipped", "opened": {}},
    ]
    log = tmp_path / "used.jsonl"
    log.write_text("\n".join(json.dumps(line) for line in [header, *tests]) + "\n")
    records = recctl_json("coverage", "--used", str(log), "--root", "project", cwd=tmp_path)
    kinds = {(r["kind"], r["test"]) for r in records}
    assert ("skipped", "t.py::test_skipped") in kinds
    assert ("no-recording", "t.py::test_live") in kinds
    assert ("no-recording", "t.py::test_skipped") not in kinds


# --- the smaller contradictions ------------------------------------------------------------------


def test_a_mismatch_says_which_scheme_made_its_response_ids(corpus: Path, tmp_path: Path) -> None:
    [path] = (corpus / "llama-stack-1394403/tests/integration/agents/recordings").glob(
        "095b37e6*.json"
    )
    [record] = recctl_json("rehash", str(path), cwd=tmp_path)
    assert record["verdict"] == "mismatch"
    assert "its response ids (rec-4a32ce3da3ce) were made under scheme 1" in record["detail"]


def test_small_promises(tmp_path: Path) -> None:
    project, _ = why_project(tmp_path)
    # The directory you stand in is ".", never ../its-own-name.
    lost = project / "tests/integration/lost/recordings"
    recorder.write(lost, chat("test_a", "x") | {"test_id": "tests/lost/test_gone.py::test_a"})
    recorder.write(lost, chat("test_a", "again") | {"test_id": "tests/gone.py::test_b"})
    pruned = recctl("prune", "tests", cwd=project)
    assert "no test sources under . " in pruned.stdout, pruned.stdout
    assert "../project" not in pruned.stdout + pruned.stderr
    # An option that only means something with another is refused without it.
    by = recctl("ls", "--by", "model", cwd=project)
    assert by.returncode == 2 and "--by goes with --summary" in by.stderr
    # A scheme named by an integer.
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n[tool.recctl]\nhash-scheme = 4\n'
    )
    assert recctl("rehash", "tests", cwd=project).returncode == 0
    # A file that is no recording: an error line like every other.
    (project / "README.md").write_text("# not a recording\n")
    shown = recctl("show", "README.md", cwd=project)
    assert shown.returncode == 1
    assert shown.stderr.startswith("recctl: error: README.md: ")


def unnormalized_project(tmp_path: Path) -> Path:
    """``why_project`` whose recording has one finding: ids normalize would repair."""
    project, path = why_project(tmp_path)
    unnormalize(path)
    return project


def test_ignoring_a_check_does_not_make_its_baseline_entries_disappear(tmp_path: Path) -> None:
    project = unnormalized_project(tmp_path)
    assert recctl("check", "--write-baseline", "tests", cwd=project).returncode == 0
    assert recctl("check", "tests", cwd=project).returncode == 0
    ignored = recctl("check", "--ignore", "normalization", "tests", cwd=project)
    assert ignored.returncode == 0
    assert "no longer occur" not in ignored.stdout


# --- everyday options ------------------------------------------------------------------------


def complete(words: str, cwd: Path) -> list[str]:
    """What bash completion offers for the last of ``words`` (typer's completion protocol)."""
    completed = subprocess.run(
        [sys.executable, "-m", "recctl"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "_RECCTL_COMPLETE": "complete_bash",
            "COMP_WORDS": f"recctl {words}",
            "COMP_CWORD": str(len(words.split())),
        },
    )
    return completed.stdout.split()


def test_completion_of_checks_schemes_groups_and_hash_prefixes(tmp_path: Path) -> None:
    project, path = why_project(tmp_path)
    assert complete("check --select sch", project) == ["schema"]
    assert complete("check --ignore schema,no", project) == ["schema,normalization"]
    assert set(complete("rehash --scheme 4", project)) == {"4a", "4b", "4"}
    assert complete("ls --summary --by pro", project) == ["provider"]
    assert complete(f"show {path.stem[:6]}", project) == [path.stem]
    assert complete(f"why {path.stem[:6]}", project) == [path.stem]


def test_exit_zero_quiet_and_a_summary_per_check(tmp_path: Path) -> None:
    project = unnormalized_project(tmp_path)
    plain = recctl("check", "tests", cwd=project)
    assert plain.returncode == 1
    assert plain.stdout.splitlines()[-1] == (
        "by check: normalization 1 (1 fixable): recctl fix --write repairs 1"
    )
    quiet = recctl("check", "-q", "tests", cwd=project)
    assert quiet.returncode == 1 and len(quiet.stdout.splitlines()) == 1
    assert "[normalization]" in quiet.stdout
    assert recctl("check", "--exit-zero", "tests", cwd=project).returncode == 0
    assert recctl("validate", "-q", "--exit-zero", "tests", cwd=project).stdout == ""


def test_an_outdated_file_without_a_test_id_is_re_record_in_prune_as_in_rehash(
    tmp_path: Path,
) -> None:
    project, _ = why_project(tmp_path)
    data = chat("test_a", "no id")
    data["request"]["body"]["temperature"] = 0.1234567  # schemes 2 and 4 round it apart
    del data["test_id"]  # scheme 4 hashes the test id: only a new recording helps
    recorder.write(project / "tests/integration/chat/recordings", data, scheme="2")
    [verdict] = [r for r in recctl_json("rehash", "tests", cwd=project) if r["verdict"] != "ok"]
    assert verdict["verdict"] == "re-record"
    records = recctl_json("prune", "tests", cwd=project)
    assert not any("not_stale" in record for record in records), records

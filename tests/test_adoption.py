"""Adopting recctl on a living corpus (issue 19): the baseline, per-path ignores, markdown
reports for pull requests, the fixing hook and ``recctl why``."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests import recorder
from tests.conftest import invoke, try_hook
from tests.test_check import SECRETS, _base, _plant

TEST_ID = "tests/integration/inference/test_chat.py::test_stream[txt=openai/gpt-4o-mini]"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def corpus_copy(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git checkout holding a copy of one real corpus (with findings); the test stands in
    its parent directory, as a user checking a checkout from outside it."""
    root = tmp_path / "checkout"
    shutil.copytree(corpus / "llama-stack-1394403", root)
    for path in root.rglob("*"):  # the shared corpus is read-only; this copy is a checkout
        path.chmod(0o755 if path.is_dir() else 0o644)
    _git(root, "init", "-q")
    monkeypatch.chdir(tmp_path)
    return root


# --- the baseline ----------------------------------------------------------------------------


def test_a_baseline_reports_only_new_findings_and_notes_fixed_ones(corpus_copy: Path) -> None:
    tests = "checkout/tests"
    before = _json_lines(invoke(["check", "-f", "json", tests]).stdout)
    assert len(before) > 100  # a real corpus has a history
    written = invoke(["check", "--write-baseline", tests])
    assert written.exit_code == 0, written.output
    baseline = corpus_copy / ".recctl-baseline.json"
    assert f"{len(before)} findings" in written.stdout and baseline.is_file()
    document = json.loads(baseline.read_text())
    assert len(document["findings"]) == len(before)
    assert all(not entry["path"].startswith("/") for entry in document["findings"])

    clean = invoke(["check", tests])
    assert clean.exit_code == 0, clean.output
    assert f"{len(before)} findings are in the baseline, not shown" in clean.stdout

    # One new finding: a key in an answer of a file that had none.
    flagged = {finding["path"] for finding in before}
    target = next(
        path
        for path in sorted((corpus_copy / "tests").rglob("*.json"))
        if f"checkout/{path.relative_to(corpus_copy)}" not in flagged
        and '"content": "' in path.read_text().partition('"response": {')[2]
    )
    request, marker, response = target.read_text().partition('"response": {')
    planted = response.replace('"content": "', f'"content": "{SECRETS["openai-key"]} ', 1)
    target.write_text(request + marker + planted)
    new = invoke(["check", "-f", "json", tests])
    assert new.exit_code == 1
    [finding] = _json_lines(new.stdout)
    assert finding["check"] == "secret" and finding["path"].endswith(target.name)

    # A fixed finding is noted, so that the baseline shrinks.
    # A file that is no mismatch (normalizing rewrites the rec- ids a mismatch's hint
    # traces, which changes that finding too).
    fixable = next(
        f
        for f in before
        if f["check"] == "normalization"
        and not any(g["path"] == f["path"] and g["message"].startswith("mismatch") for g in before)
    )
    assert invoke(["normalize", "--write", fixable["path"]]).exit_code == 0
    noted = invoke(["check", tests])
    assert "1 baseline entry no longer occurs: recctl check --write-baseline drops it" in (
        noted.stdout
    )
    # Rewriting the baseline drops it and accepts the new secret, without holding it.
    invoke(["check", "--write-baseline", tests])
    assert invoke(["check", tests]).exit_code == 0
    raw = baseline.read_text()
    assert SECRETS["openai-key"] not in raw and SECRETS["openai-key"][-16:] not in raw
    assert len(json.loads(raw)["findings"]) == len(before)  # one fixed, one accepted


def test_baseline_entries_survive_reindenting_and_unrelated_edits(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    data = _plant(_base(), SECRETS["anthropic-key"], "response")
    path = recorder.write(directory, data)
    assert invoke(["check", "--write-baseline"]).exit_code == 0
    document = json.loads(path.read_text())
    document["response"]["body"][0]["__data__"]["choices"][0]["delta"]["content"] = "Saturn."
    path.write_text(json.dumps(document, indent=4) + "\n")  # every line moves
    result = invoke(["check", "-f", "json"])
    assert result.exit_code == 0, result.output
    # A partial run (pre-commit's) notes nothing about the files it did not check.
    other = recorder.write(directory, _base() | {"test_id": TEST_ID + "x"})
    partial = invoke(["check", str(other)])
    assert "no longer occur" not in partial.stdout


def test_baseline_files_that_are_wrong_are_usage_errors(project: Path) -> None:
    (project / "recordings").mkdir()
    recorder.write(project / "recordings", _base())
    missing = invoke(["check", "--baseline", "nope.json"])
    assert missing.exit_code == 2 and "recctl check --write-baseline writes it" in missing.stderr
    (project / ".recctl-baseline.json").write_text('{"findings": 3')
    assert invoke(["check"]).exit_code == 2
    (project / ".recctl-baseline.json").write_text('{"recctl-baseline": 1, "findings": [1]}')
    broken = invoke(["check"])
    assert broken.exit_code == 2 and "entry 1" in broken.stderr
    assert invoke(["check", "--no-baseline"]).exit_code == 0
    assert invoke(["check", "--no-baseline", "--write-baseline"]).exit_code == 2


def test_the_configured_baseline_is_read_and_written(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.recctl]\nbaseline = "ci/baseline.json"\n')
    directory = project / "recordings"
    directory.mkdir()
    recorder.write(directory, _plant(_base(), SECRETS["github-token"], "response"))
    (project / "ci").mkdir()
    assert invoke(["check"]).exit_code == 2  # configured, not written yet: a typo?
    assert invoke(["check", "--write-baseline"]).exit_code == 0
    assert (project / "ci" / "baseline.json").is_file()
    assert invoke(["check"]).exit_code == 0


# --- per-path ignores ------------------------------------------------------------------------


def test_per_path_ignores_turn_checks_off_for_matching_files(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.recctl]\n"
        "[tool.recctl.per-path-ignores]\n"
        '"tests/legacy/**" = ["hash"]\n'
        '"quirky-*.json" = ["schema", "normalization"]\n'
    )
    data = _base()
    data["request"]["body"]["temperature"] = 0.1234567
    legacy = recorder.write(
        project / "tests" / "legacy" / "recordings",
        data | {"test_id": TEST_ID + "-legacy"},
        scheme="2",
    )
    current = recorder.write(project / "tests" / "new" / "recordings", data, scheme="2")
    broken = project / "tests" / "new" / "recordings" / "quirky-1.json"
    broken.write_text('{"test_id": 5}\n')
    findings = _json_lines(invoke(["check", "-f", "json", "tests"]).stdout)
    flagged = {(Path(f["path"]).name, f["check"]) for f in findings}
    assert (current.name, "hash") in flagged
    assert (legacy.name, "hash") not in flagged
    assert not any(name == broken.name for name, _ in flagged)
    # validate is check's schema check: it skips the same files, from any directory.
    os.chdir(project / "tests")
    assert invoke(["validate", "new"]).exit_code == 0
    assert invoke(["check", "--select", "hash", "legacy"]).exit_code == 0


def test_per_path_ignores_with_an_unknown_check_is_a_usage_error(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.recctl.per-path-ignores]\n"x/**" = ["hashes"]\n')
    (project / "recordings").mkdir()
    result = invoke(["check"])
    assert result.exit_code == 2 and "unknown check hashes" in result.stderr


# --- markdown --------------------------------------------------------------------------------


def _hostile_project(project: Path) -> Path:
    directory = project / "recordings"
    directory.mkdir()
    data = _base()
    data["test_id"] = "tests/t.py::test_x[@octocat <img src=x> | [a](http://e.vil) $x$]"
    data["request"]["body"]["temperature"] = 0.1234567
    recorder.write(directory, data, scheme="2")
    (directory / "@octocat-[x](y)|z.json").write_text("{")
    return directory


def test_check_markdown_is_a_safe_comment(project: Path) -> None:
    _hostile_project(project)
    result = invoke(["check", "-f", "markdown"])
    assert result.exit_code == 1
    text = result.stdout
    assert text.startswith("### recctl check\n")
    assert "❌ **2 errors in 2 of 2 recordings**" in text
    assert "| hash | 1 | 1 |" in text and "| schema | 1 | 1 |" in text
    assert "(recordings/%40octocat-%5Bx%5D%28y%29%7Cz.json)" in text  # a link, quoted
    # Nobody is mentioned: in text every @ is broken, and code spans are never markup.
    outside_code = re.sub(r"(`+).*?\1", "", text)
    assert "@octocat" not in outside_code.replace("@&#8203;octocat", "")
    assert "<img" not in text and "](http" not in text


def test_markdown_is_cut_to_the_comment_limit_with_a_count(project: Path) -> None:
    directory = project / "recordings"
    directory.mkdir()
    for number in range(700):
        (directory / f"broken-{number:04}-{'x' * 60}.json").write_text("{")
    text = invoke(["check", "-f", "markdown"]).stdout
    assert len(text) <= 65_536
    assert "❌ **700 errors in 700 of 700 recordings**" in text
    shown = text.count("\n- [")
    assert 100 < shown < 700
    assert f"… and {700 - shown} more files with findings not shown" in text
    small = invoke(["check", "-f", "markdown"], env={"RECCTL_MARKDOWN_LIMIT": "2000"}).stdout
    assert len(small) <= 2000 and "more files with findings not shown" in small


def test_rehash_prune_and_diff_write_markdown(project: Path) -> None:
    directory = _hostile_project(project)
    rehash = invoke(["rehash", "-f", "markdown"])
    assert rehash.exit_code == 1
    assert "### recctl rehash" in rehash.stdout and "| outdated | 1 |" in rehash.stdout
    assert "- **outdated** (would rename) [`recordings/" in rehash.stdout
    prune = invoke(["prune", "-f", "markdown"])
    assert "### recctl prune" in prune.stdout and "**unreadable**" in prune.stdout
    other = project / "old"
    shutil.copytree(directory, other / "recordings")
    path = next(p for p in (other / "recordings").glob("*.json") if p.name[0] != "@")
    document = json.loads(path.read_text())
    document["response"]["body"][1]["__data__"]["choices"][0]["delta"]["content"] = "Jupiter?"
    path.write_text(json.dumps(document, indent=2) + "\n")
    diff = invoke(["diff", "-f", "markdown", "old/recordings", "recordings"])
    assert diff.exit_code == 0, diff.output
    assert "### recctl diff" in diff.stdout and "**changed**" in diff.stdout
    assert "| changed | 1 |" in diff.stdout and "answer" in diff.stdout


def test_check_and_diff_append_to_the_github_step_summary(project: Path) -> None:
    _hostile_project(project)
    summary = project / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = invoke(["check"], env=env)
    assert result.exit_code == 1 and result.stdout.startswith("::error ")  # the default
    assert summary.read_text().startswith("### recctl check")
    invoke(["diff", "recordings", "recordings"], env=env)
    assert "### recctl diff" in summary.read_text()
    env["GITHUB_STEP_SUMMARY"] = str(project / "missing" / "summary.md")
    warned = invoke(["check"], env=env)
    assert warned.exit_code == 1 and "recctl: warning: cannot append" in warned.stderr


def test_markdown_links_point_at_the_commit_under_github_actions(project: Path) -> None:
    _hostile_project(project)
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": "0123abcd",
        "GITHUB_WORKSPACE": str(project),
    }
    text = invoke(["check", "-f", "markdown"], env=env).stdout
    assert "(https://github.com/acme/app/blob/0123abcd/recordings/" in text


# --- the fixing hook -------------------------------------------------------------------------


def _fixable(directory: Path) -> tuple[Path, Path]:
    """An outdated, unnormalized file and one with a key in its answer."""
    data = _base()
    data["request"]["body"]["temperature"] = 0.1234567
    outdated = recorder.write(directory, data, scheme="2")
    document = json.loads(outdated.read_text())
    document["response"]["body"][0]["__data__"]["created"] = 1760000000
    outdated.write_text(json.dumps(document, indent=2) + "\n")
    leaked = _plant(_base(), SECRETS["openai-key"], "response")
    leaked["test_id"] = TEST_ID + "-2"
    return outdated, recorder.write(directory, leaked)


def test_fix_is_a_dry_run_then_fixes_then_has_nothing_to_do(project: Path) -> None:
    directory = project / "recordings"
    outdated, leaked = _fixable(directory)
    before = {path: path.read_bytes() for path in directory.iterdir()}
    dry = invoke(["fix"])
    assert dry.exit_code == 1
    assert "would normalize: " in dry.stdout and "would rename: " in dry.stdout
    assert "would redact: " in dry.stdout and "2 files would be fixed" in dry.stdout
    assert {path: path.read_bytes() for path in directory.iterdir()} == before
    done = invoke(["fix", "--write", "-f", "json"])
    assert done.exit_code == 1
    fixes = {(record["fix"], record["action"]) for record in _json_lines(done.stdout)}
    assert {("normalize", "normalized"), ("rename", "renamed"), ("redact", "redacted")} <= fixes
    assert not outdated.exists()
    assert SECRETS["openai-key"] not in leaked.read_text()
    again = invoke(["fix", "--write"])
    assert again.exit_code == 0 and "nothing to fix" in again.stdout
    assert invoke(["check"]).exit_code == 0


@pytest.mark.slow
def test_the_fixing_hook_with_pre_commit(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    directory = repo / "tests" / "recordings"
    outdated, leaked = _fixable(directory)

    def try_repo() -> subprocess.CompletedProcess[str]:
        return try_hook(repo, "recctl-fix", tmp_path)

    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    fixed = try_repo()
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode == 1, output
    assert "renamed: " in output and "redacted: " in output
    assert SECRETS["openai-key"] not in output
    assert not outdated.exists() and SECRETS["openai-key"] not in leaked.read_text()
    _git(repo, "add", "-A", ".")
    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr


# --- recctl why ------------------------------------------------------------------------------


def _history(root: Path) -> tuple[dict[str, Any], Path]:
    """A project whose test recorded one request: (that recording's data, its file)."""
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n')
    tests = root / "tests" / "integration" / "inference"
    tests.mkdir(parents=True)
    (tests / "test_chat.py").write_text("def test_stream():\n    pass\n")
    data = _base()
    data["request"]["body"].pop("stream_options")
    return data, recorder.write(tests / "recordings", data)


def _live(data: dict[str, Any]) -> dict[str, Any]:
    """The request the changed test sends: it asks for usage now."""
    live = copy.deepcopy(data)
    live["request"]["body"]["stream_options"] = {"include_usage": True}
    return live


def test_why_names_the_nearest_recording_and_the_field_the_request_gained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    data, recorded = _history(root)
    live = _live(data)
    missed = recorder.request_hash(live, "4")
    request = tmp_path / "live.json"
    request.write_text(json.dumps(live["request"]))
    monkeypatch.chdir(root / "tests")
    result = invoke(["why", missed, "--test-id", TEST_ID, "--request", str(request)])
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert text.startswith(f"{missed}: changed\n  the request changed since ")
    assert "(/body/stream_options added): re-record the test" in text
    assert "replay looks for" in text and "  integration/inference/recordings/\n" in text
    assert "no file in the project is named by this hash" in text
    assert f"integration/inference/recordings/{recorded.name}" in text
    assert f"schemes 4 (target), 4b, 4a, 3, 2: {missed}  = the missed hash" in text
    assert "nearest recording: integration/inference/recordings/" in text
    assert '/body/stream_options added: {"include_usage": true}' in text
    # The same as JSON, from stdin, with the test id from a recording.
    piped = invoke(["why", missed, "--request", "-", "-f", "json"], input=json.dumps(live))
    document = json.loads(piped.stdout)
    assert document["found"] is False and document["matching_schemes"][0] == "4"
    assert document["nearest"]["changes"] == [
        {
            "pointer": "/body/stream_options",
            "kind": "added",
            "old": None,
            "new": {"include_usage": True},
            "text": '/body/stream_options added: {"include_usage": true}',
        }
    ]


def test_why_finds_a_misplaced_file_and_says_where_replay_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    _, recorded = _history(root)
    elsewhere = root / "tests" / "integration" / "agents" / "recordings"
    elsewhere.mkdir(parents=True)
    recorded.rename(elsewhere / recorded.name)
    monkeypatch.chdir(tmp_path)
    result = invoke(["why", recorded.stem, "--test-id", TEST_ID, "--root", "app"])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{recorded.stem}: misplaced\n")
    assert "but replay looks in tests/integration/inference/recordings/: move it there" in (
        result.stdout
    )
    assert f"app/tests/integration/agents/recordings/{recorded.name} [ok]" in result.stdout
    assert "not where replay looks for this test" in result.stdout
    # Where replay looks, it is found: exit 0.
    recorded.parent.mkdir(exist_ok=True)
    shutil.copy(elsewhere / recorded.name, recorded)
    assert invoke(["why", recorded.stem, "--test-id", TEST_ID, "--root", "app"]).exit_code == 0


def test_why_lists_the_tests_recordings_newest_schemes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "app"
    data, recorded = _history(root)
    older = copy.deepcopy(data)
    older["request"]["body"]["temperature"] = 0.1234567
    legacy = recorder.write(recorded.parent, older, scheme="2")
    monkeypatch.chdir(root)
    result = invoke(["why", "ab" * 32, "--test-id", TEST_ID])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    newer = next(i for i, line in enumerate(lines) if recorded.name in line)
    old = next(i for i, line in enumerate(lines) if legacy.name in line)
    assert newer < old and "scheme 4" in lines[newer] and "scheme 2" in lines[old]


def test_why_on_an_unknown_hash_and_bad_input(project: Path) -> None:
    (project / "recordings").mkdir()
    unknown = invoke(["why", "5e3f" * 16])
    assert unknown.exit_code == 1
    assert "no file in the project is named by this hash" in unknown.stdout
    assert invoke(["why", "xyz"]).exit_code == 2
    assert invoke(["why", "5e3f" * 16, "--request", "missing.json"]).exit_code == 2
    bad = invoke(["why", "5e3f" * 16, "--request", "-"], input='{"a": 1}')
    assert bad.exit_code == 1 and "not a recording or a request" in bad.stderr

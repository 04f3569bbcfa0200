"""Compiled pattern databases are kept in the user's cache folder, trusted only when they are
the user's own and whole, and a run never fails for want of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from recctl import pattern_cache, secrets
from recctl.scan import PatternSet

hyperscan = pytest.importorskip("hyperscan", reason="no hyperscan wheel on this platform")

PATTERNS = [rb"sk-[a-z]{4}", rb'"content"\s*:\s*"k-', rb"AKIA"]
FLAGS = hyperscan.HS_FLAG_SINGLEMATCH


class Compiler:
    """A compile step that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=PATTERNS, ids=[0, 1, 2], elements=len(PATTERNS), flags=FLAGS)
        return database


def _matches(database: object) -> set[int]:
    found: set[int] = set()
    text = b'x sk-abcd {"content": "k-"}'
    database.scan(text, match_event_handler=lambda i, *_: found.add(i))  # type: ignore[attr-defined]
    return found


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "recctl"


def _kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("hyperscan-*.db")) if folder.is_dir() else []


def test_a_database_is_compiled_once_and_loaded_after(cache_home: Path) -> None:
    compiler = Compiler()
    first = pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)
    again = pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)
    assert compiler.calls == 1
    assert _matches(first) == _matches(again) == {0, 1}
    [kept] = _kept(cache_home)
    if hasattr(os, "getuid"):
        assert kept.stat().st_mode & 0o077 == 0 and cache_home.stat().st_mode & 0o077 == 0
    # Other patterns are another database.
    pattern_cache.database(hyperscan, PATTERNS[:2], FLAGS, compiler)
    assert compiler.calls == 2 and len(_kept(cache_home)) == 2


def test_a_damaged_or_planted_file_is_compiled_again_and_replaced(
    cache_home: Path, tmp_path: Path
) -> None:
    compiler = Compiler()
    pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)
    [kept] = _kept(cache_home)
    data = bytearray(kept.read_bytes())
    data[-1] ^= 0xFF  # one flipped byte: the checksum fails
    kept.write_bytes(bytes(data))
    assert _matches(pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)) == {0, 1}
    assert compiler.calls == 2
    # A symlink planted in its place is not followed; the file replaces it.
    elsewhere = tmp_path / "elsewhere.db"
    elsewhere.write_bytes(kept.read_bytes())
    kept.unlink()
    kept.symlink_to(elsewhere)
    pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)
    assert compiler.calls == 3 and not kept.is_symlink()
    kept.write_bytes(b"")  # cut short
    pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)
    assert compiler.calls == 4


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="no file owners on this platform")
def test_a_folder_others_can_write_to_is_not_used(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    cache_home.chmod(0o777)
    compiler = Compiler()
    for _ in range(2):
        assert _matches(pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)) == {0, 1}
    assert compiler.calls == 2 and _kept(cache_home) == []


def test_without_a_cache_folder_the_patterns_are_compiled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)
    compiler = Compiler()
    assert _matches(pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)) == {0, 1}
    # A cache folder that is a file: compiled all the same.
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _matches(pattern_cache.database(hyperscan, PATTERNS, FLAGS, compiler)) == {0, 1}
    assert compiler.calls == 2


def test_a_second_run_loads_the_scan_from_the_cache(tmp_path: Path) -> None:
    """The secret scan's own patterns, in two processes: the second cannot compile (its
    hyperscan has no compiler) and answers from the kept database, as the first did and as
    the patterns compiled here do."""
    program = (
        "import sys\n"
        "import hyperscan\n"
        "from recctl import secrets\n"
        "if sys.argv[1] == 'load':\n"
        "    hyperscan.Database = None\n"
        "secrets.QUICK.compile_after = secrets.QUICK.hints_compile_after = 0\n"
        "print(sorted(secrets.QUICK.present(sys.stdin.buffer.read())))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    text = b'{"content": "s", "content": "k-proj"} AKIA \\u002f data: "url": "http://a?b"'
    runs = [
        subprocess.run(
            [sys.executable, "-c", program, mode],
            input=text,
            capture_output=True,
            env=env,
            check=True,
        ).stdout
        for mode in ("compile", "load")
    ]
    fresh = PatternSet(secrets.QUICK.patterns, compile_after=0)
    assert runs[0] == runs[1] == f"{sorted(fresh.present(text))}\n".encode()
    assert len(_kept(tmp_path / "cache" / "recctl")) == 1


def test_the_flag_recctl_compiles_with_is_hyperscans_single_match() -> None:
    from recctl import scan

    assert scan._SINGLE_MATCH == hyperscan.HS_FLAG_SINGLEMATCH


def test_hints_are_compiled_in_once_enough_is_scanned_unless_kept(cache_home: Path) -> None:
    """A machine that keeps no compiled set answers without the hints (reported present)
    until ``hints_compile_after`` bytes, then compiles them in and keeps the whole set; the
    next run loads it and answers the hints from the start."""
    patterns = [rb"sk-", rb"AKIA", rb'"content"\s*:\s*"k-']
    text = b'sk- {"content": "k-x"}'

    first = PatternSet(patterns, compile_after=0, hints=range(2, 3), hints_compile_after=100)
    assert first.present(text) == {0, 2} and first.assumes_hints
    assert first.present(b"AKIA") == {1, 2}  # the hint is reported, not asked
    first.present(b" " * 100)
    assert not first.assumes_hints
    assert first.present(b"AKIA") == {1}
    assert first.present(text) == {0, 2}

    again = PatternSet(patterns, compile_after=0, hints=range(2, 3), hints_compile_after=100)
    assert again.present(b"AKIA") == {1} and not again.assumes_hints


def test_a_run_large_enough_to_fork_sets_its_scans_up_before_it_forks(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the workers fork, a large check sets the secret scans and the hash hints up
    (each worker would answer by ``re`` at first, then load or compile them itself); a
    small one leaves them to ``compile_after``."""
    from recctl import check, filecheck
    from recctl.hashing import canonical
    from recctl.parallel import PARALLEL_THRESHOLD

    def fresh(scan: PatternSet) -> PatternSet:
        return PatternSet(scan.patterns, hints=scan.hints, hints_compile_after=1 << 40)

    for files, expected in ((PARALLEL_THRESHOLD - 1, False), (PARALLEL_THRESHOLD, True)):
        monkeypatch.setattr(secrets, "QUICK", fresh(secrets.QUICK))
        monkeypatch.setattr(canonical, "_HINTS", fresh(canonical._HINTS))
        ends = PatternSet(secrets._LITERAL_ENDS.patterns, compile_after=1 << 40, every_match=True)
        monkeypatch.setattr(secrets, "_LITERAL_ENDS", ends)
        settings = check.CheckSettings(frozenset(check.CHECKS), "4", frozenset(), 1 << 20, None)
        filecheck.init_worker(settings, files)
        assert (secrets.QUICK._database is not None) is expected, files
        assert (canonical._HINTS._database is not None) is expected, files
        assert (secrets._LITERAL_ENDS._database is not None) is expected, files
        # Set up without the hints (none kept): they are reported, as before.
        assert secrets.QUICK.present(b"nothing here") >= set(secrets.QUICK.hints)

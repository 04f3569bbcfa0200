"""Every check of a file from one read of it, one parse and one decoding of each body."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from recctl import bodies, check, filecheck
from recctl.project import find_project
from tests.conftest import DATA


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: Counter[str]) -> None:
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.mark.parametrize(
    "fixture", ["cassettes/test_chat/test_gzip.yaml", "recordings/chat-stream.json"]
)
def test_all_checks_read_and_decode_a_file_once(
    fixture: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = DATA / fixture
    folder = tmp_path / ("cassettes" if source.suffix == ".yaml" else "recordings")
    folder.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    path = folder / source.name
    shutil.copy(source, path)
    config = find_project([str(path)], tmp_path).config
    settings = check.CheckSettings(
        frozenset(check.CHECKS), "4", config.secret_allowlist, config.max_file_size, config.schema
    )
    filecheck.init_worker(settings)
    calls: Counter[str] = Counter()
    opened = os.open

    def open_counted(name: Any, *args: Any, **kwargs: Any) -> int:
        if os.fspath(name) == str(path):
            calls["open"] += 1
        return opened(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_counted)
    _counting(monkeypatch, bodies, "decompress", calls)
    bodies._UNDONE.clear()
    result = filecheck.check_item(str(path))
    assert calls["open"] == 1, result
    gzipped = source.suffix == ".yaml"
    assert calls["decompress"] == (1 if gzipped else 0), result

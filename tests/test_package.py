"""The installed package: console script, bundled schema, bundled recordings."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import REPO


def _editable() -> bool:
    direct_url = metadata.distribution("recctl").read_text("direct_url.json")
    return bool(direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"))


def test_the_wheel_carries_the_schema() -> None:
    if _editable():
        pytest.skip("an editable install reads the schema from the checkout")
    files = metadata.files("recctl") or []
    assert any(str(file).endswith("recctl/schemas/recording.schema.json") for file in files)


def test_console_script_validates_the_bundled_recordings_in_the_checkout() -> None:
    script = Path(sys.executable).with_name("recctl")
    completed = subprocess.run(
        [str(script), "validate"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    count = len(list((REPO / "recordings").rglob("*.json")))
    assert f"✓ {count} recordings valid" in completed.stdout

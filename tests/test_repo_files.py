"""The repository ignores what running the product leaves behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "name", ["redteam.sqlite3", "redteam.sqlite3-wal", "redteam.sqlite3-shm", "redteam.sqlite3-journal"]
)
def test_the_store_and_its_sqlite_side_files_are_ignored(name: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q", name], check=False)
    assert result.returncode == 0, f"{name} is not ignored"

"""Generated documentation matches what it documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_data_dictionary_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "data_dictionary.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_shows_the_two_commands_and_every_cli_command() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for text in (
        "make run",
        "make test",
        "screening ingest",
        "screening query",
        "screening status",
        "docs/data-dictionary.md",
    ):
        assert text in readme, text

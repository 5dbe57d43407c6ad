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


def test_cli_reference_is_current_and_documents_every_command() -> None:
    result = subprocess.run(
        [sys.executable, str(PROJECT / "scripts" / "cli_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import typer.main

    from faces.cli import app

    reference = (PROJECT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert f"## `screening {name}`" in reference, name

"""Every command and option of the CLI explains itself."""

from __future__ import annotations

import typer.main
from typer.testing import CliRunner

from faces.cli import app

runner = CliRunner()


def _commands() -> dict:
    return typer.main.get_command(app).commands


def test_every_command_has_help_with_an_example() -> None:
    commands = _commands()
    assert {"ingest", "query", "status"} <= set(commands)
    for name, command in commands.items():
        assert command.help, f"command {name} has no help"
        assert "Example:" in command.help, f"command {name} has no example in its help"


def test_every_option_and_argument_has_help() -> None:
    for name, command in _commands().items():
        for param in command.params:
            if param.name == "help":
                continue
            assert getattr(param, "help", None), f"{name}: {param.name} has no help text"


# What `screening --help` must not wait for (Great Expectations alone takes seconds).
HEAVY = ("prefect", "great_expectations", "duckdb", "pandas", "pyarrow", "numpy", "openpyxl",
         "fastapi", "uvicorn", "python_calamine")  # fmt: skip
HELP_IN_A_FRESH_PROCESS = """
import sys
sys.argv = ["screening", "--help"]
from faces.cli import main
try:
    main()
except SystemExit as done:
    assert done.code == 0, done.code
print("LOADED", " ".join(sorted(m for m in HEAVY if m in sys.modules)))
"""


def test_help_runs_without_importing_heavy_libraries() -> None:
    """In a fresh process: this test process has imported them all already."""
    import subprocess
    import sys

    code = f"HEAVY = {HEAVY!r}\n{HELP_IN_A_FRESH_PROCESS}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ingest" in result.stdout
    loaded = result.stdout.rsplit("LOADED", 1)[1].split()
    assert not loaded, f"screening --help imported {loaded}"


def test_missing_file_is_one_sentence_without_traceback(tmp_path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output

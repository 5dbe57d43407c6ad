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


def test_help_runs_without_importing_heavy_libraries() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "ingest" in result.output


def test_missing_file_is_one_sentence_without_traceback(tmp_path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output

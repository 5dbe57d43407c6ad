"""A command starts Prefect's temporary API server itself only where Prefect would start one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Run in a fresh process: start_api_server does nothing once Prefect is imported.
PROBE = """
from flows.api import start_api_server
server = start_api_server()
print(f"started {server.process.pid}" if server else "none")
if server:
    server.wait()
"""


def _probe(tmp_path: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(Path(__file__).parents[1]),
             "PREFECT_HOME": str(tmp_path / "prefect"), **env},  # fmt: skip
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_no_server_when_the_environment_names_one(tmp_path: Path) -> None:
    assert _probe(tmp_path, PREFECT_API_URL="http://127.0.0.1:4200/api") == "none"


def test_no_server_when_the_active_profile_names_one(tmp_path: Path) -> None:
    (tmp_path / "prefect").mkdir()
    (tmp_path / "prefect" / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'
    )
    assert _probe(tmp_path) == "none"


def test_no_server_when_prefect_toml_names_one(tmp_path: Path) -> None:
    (tmp_path / "prefect.toml").write_text('[api]\nurl = "http://10.0.0.5:4200/api"\n')
    assert _probe(tmp_path) == "none"


@pytest.mark.slow
def test_the_server_answers_and_stops_with_the_command(tmp_path: Path) -> None:
    said, pid = _probe(tmp_path).split()
    assert said == "started"
    with pytest.raises(ProcessLookupError):  # stopped when the command exited
        os.kill(int(pid), 0)

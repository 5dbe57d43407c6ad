"""Prefect's temporary API server, started by a command before it imports Prefect.

With no Prefect server configured, Prefect starts a temporary API server (a uvicorn process)
when the first flow starts: the calling process first imports the whole server (only to start
it), then waits, idle, while the server process imports it again and opens its database.
A command that starts the same server itself, first thing, does neither: the server boots
on one core while the command imports pandas, Great Expectations and Prefect's client on the
other. Prefect then finds PREFECT_API_URL set and talks to it as to any server.

Only where Prefect would start its own temporary server: not when a server is configured
(PREFECT_API_URL in the environment, the active Prefect profile or ./prefect.toml), and not
once Prefect is imported (its settings are read by then).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from screening.errors import ScreeningError

HOST = "127.0.0.1"


class ApiServer:
    """A temporary Prefect API server process; stopped when this process exits."""

    def __init__(self, port: int) -> None:
        self.url = f"http://{HOST}:{port}/api"
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory",
                "prefect.server.api.server:create_app", "--host", HOST, "--port", str(port),
                "--log-level", "error", "--lifespan", "on",
            ],  # fmt: skip
            # As Prefect runs its own: no UI, no background services.
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
            },
            stdin=subprocess.DEVNULL,
        )
        atexit.register(self.stop)

    def wait(self) -> None:
        """Return once the server answers; raise when it stopped or did not answer in time."""
        limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 300))
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ScreeningError(
                    f"Prefect's temporary API server stopped as it started (exit code "
                    f"{self.process.returncode}); run the command again, or start a server "
                    "with `prefect server start` and set PREFECT_API_URL."
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise ScreeningError(
            f"Prefect's temporary API server did not answer within {limit:.0f} s; the machine "
            "may be busy: set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher."
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_api_server() -> ApiServer | None:
    """Start Prefect's temporary API server now and point Prefect at it (PREFECT_API_URL);
    None where Prefect would not start one (see the module's docstring)."""
    if "prefect" in sys.modules or _configured_api_url():
        return None
    if os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "true").lower() in ("0", "false"):
        return None
    server = ApiServer(_free_port())
    os.environ["PREFECT_API_URL"] = server.url
    return server


def _configured_api_url() -> str | None:
    """PREFECT_API_URL as the environment, the active profile or ./prefect.toml set it."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    profiles = _toml(Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml"))
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    if url := profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"):
        return url
    return _toml(Path("prefect.toml")).get("api", {}).get("url")


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]

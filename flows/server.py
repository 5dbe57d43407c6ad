"""`screening up` and `down`: the whole system as background processes of this machine.

`up` starts a Prefect server (SQLite under PREFECT_HOME, or the PostgreSQL database
`PREFECT_SERVER_DATABASE_CONNECTION_URL` names), waits until it answers, creates the work
pool, the `duckdb-writer` limit and the deployments (flows/deploy.py), then starts the
workers and the upload page. Every process gets its own process group, so that `down`
stops it with whatever it started (a worker's flow runs included). What runs, and where,
is kept in PREFECT_HOME/screening-up.json: the same file tells the command line which
server to talk to, and lets several instances (each its own PREFECT_HOME, SCREENING_DB and
SCREENING_INBOX) run side by side.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flows.deploy import Plan, deploy_all
from screening.errors import ScreeningError

STATE_FILE = "screening-up.json"
HOST = "127.0.0.1"
SERVER_PORT = 4200
PAGE_PORT = 8000
STARTUP_SECONDS = 120  # a busy 2-core machine takes a while to migrate a new database


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")


def state_path() -> Path:
    return prefect_home() / STATE_FILE


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child that exited but was not reaped yet is gone all the same.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def running() -> dict | None:
    """What `up` started under this PREFECT_HOME, when its server still runs."""
    try:
        state = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if alive(state["pids"]["server"]) else None


def free_port(preferred: int | None = None) -> int:
    """`preferred` when nothing listens on it, else a port the system chooses."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ScreeningError(f"No free port on {HOST}.")


def healthy(api_url: str) -> bool:
    """Whether the Prefect API at `api_url` answers its health check."""
    return _answers(f"{api_url}/health")


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def _wait_until(ready: Callable[[], bool], pid: int, failure: str) -> None:
    """Wait (at most STARTUP_SECONDS) until `ready()`, while process `pid` lives."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        if not alive(pid) or time.monotonic() > deadline:
            raise ScreeningError(failure)
        time.sleep(1)


def _spawn(command: list[str], log: Path, env: dict[str, str]) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: `down` stops it and its children
        )
    return process.pid


def _save(state: dict) -> None:
    state_path().parent.mkdir(parents=True, exist_ok=True)
    state_path().write_text(json.dumps(state, indent=2), encoding="utf-8")


def environment(api_url: str, plan: Plan, worker_query_seconds: float) -> dict[str, str]:
    """The environment of every process `up` starts: this one's (offline, PREFECT_HOME and
    lease storage set by `configure_offline`), with the server's address and quicker loops."""
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_API_HOST": HOST,
        "PREFECT_WORKER_QUERY_SECONDS": str(worker_query_seconds),
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
        # A crashed run's writer slot is freed within the lease and 5 s.
        "PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "5",
        # A step waiting for the slot asks again at least every 5 s (Prefect: 30).
        "PREFECT_SERVER_CONCURRENCY_MAXIMUM_CONCURRENCY_SLOT_WAIT_SECONDS": "5",
        "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "INFO"),
        "SCREENING_DB": str(plan.db),
        "SCREENING_INBOX": str(plan.inbox),
    }


def up(
    plan: Plan,
    workers: int = 1,
    port: int | None = None,
    page_port: int | None = None,
    page: bool = True,
    worker_query_seconds: float = 2,
    say: Callable[[str], None] = print,
) -> dict:
    """Start the server, the deployments, `workers` workers and (unless `page` is False)
    the upload page; return what runs (as kept in the state file)."""
    if current := running():
        raise ScreeningError(
            f"The system already runs here (Prefect API {current['api_url']}, PREFECT_HOME "
            f"{prefect_home()}); stop it first with `screening down`, or give this instance "
            "its own PREFECT_HOME."
        )
    port = port or free_port(SERVER_PORT)
    api_url = f"http://{HOST}:{port}/api"
    env = environment(api_url, plan, worker_query_seconds)
    logs = prefect_home() / "logs"
    python = sys.executable
    state: dict = {
        "api_url": api_url,
        "ui_url": f"http://{HOST}:{port}",
        "pids": {},
        "logs": str(logs),
        "db": str(plan.db),
        "inbox": str(plan.inbox),
        "pool": plan.pool,
    }
    command = [python, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)]
    state["pids"]["server"] = _spawn(command, logs / "server.log", env)
    _save(state)
    try:
        say(f"Starting the Prefect server at {state['ui_url']} (log: {logs / 'server.log'})")
        _wait_until(
            lambda: healthy(api_url),
            state["pids"]["server"],
            f"The Prefect server did not start; see {logs / 'server.log'}.",
        )
        if not alive(state["pids"]["server"]):  # what answered was another server
            raise ScreeningError(
                f"Port {port} was taken by another program meanwhile; run `screening up` again."
            )
        say("Creating the work pool, the duckdb-writer limit and the deployments")
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: api_url}):
            state["deployments"] = deploy_all(plan)
        plan.inbox.mkdir(parents=True, exist_ok=True)
        worker_command = [python, "-m", "prefect", "worker", "start", "--pool", plan.pool]
        for i in range(1, workers + 1):
            name = f"worker-{i}"
            command = [*worker_command, "--type", "process", "--name", f"{plan.pool}-{name}"]
            state["pids"][name] = _spawn(command, logs / f"{name}.log", env)
        if page:
            page_port = page_port or free_port(PAGE_PORT)
            screening = str(Path(python).with_name("screening"))
            command = [screening, "serve", "--port", str(page_port), "--db", str(plan.db)]
            state["pids"]["page"] = _spawn(command, logs / "page.log", env)
            state["page_url"] = f"http://{HOST}:{page_port}/"
        _save(state)
        if page:
            _wait_until(
                lambda: _answers(f"{state['page_url']}uploads"),
                state["pids"]["page"],
                f"The upload page did not start; see {logs / 'page.log'}.",
            )
    except BaseException:
        down(say=lambda _: None)
        raise
    return state


def _stop_group(pgid: int, signals: tuple[int, ...], grace: float) -> None:
    """Signal process group `pgid` with each of `signals` in turn, waiting up to `grace`
    seconds after each for the group to end, then kill what is left."""
    for sig in (*signals, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not group_alive(pgid):
            return


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of group `pgid` is left."""
    with contextlib.suppress(ChildProcessError):  # our own child (a test's `up`): reap it
        os.waitpid(pgid, os.WNOHANG)
    for proc in Path("/proc").iterdir():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def down(say: Callable[[str], None] = print) -> bool:
    """Stop what `up` started under this PREFECT_HOME: workers (their runs with them) and the
    page first, the server last. False when nothing was running."""
    try:
        state = json.loads(state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pids: dict[str, int] = state["pids"]
    for name, pid in pids.items():
        if name == "server":
            continue
        say(f"Stopping {name}")
        # A worker stops its polling on the first signal and exits on the second.
        _stop_group(pid, (signal.SIGTERM, signal.SIGTERM), grace=5)
    if "server" in pids:
        say("Stopping the Prefect server")
        _stop_group(pids["server"], (signal.SIGTERM,), grace=15)
    state_path().unlink(missing_ok=True)
    return True

"""`screening up` for real: a Prefect server on a free loopback port, two workers, the
deployments, one writer. One system is started for the whole module (it takes a while) with
its own PREFECT_HOME, data folder and rubric copy, and stopped at the end."""

from __future__ import annotations

import contextvars
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.test_e2e_ingest import HEADER, LONG

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server")]

RUN_SECONDS = 300  # the most one deployment run may take on a busy CI machine


def _workbook(path: Path, country: str, rows: int = 150) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    for i in range(rows):
        budget = "unknown" if i % 10 == 0 else 1000 + i  # every tenth row is rejected
        ws.append([f"{path.stem}-{i}", f"Project {i}", LONG, country, 15220, budget,
                   "2024", "2026", "1", ""])  # fmt: skip
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """`up` with two workers, the inbox looked at every 10 s, the rubric a copy we may edit."""
    from flows.deploy import Plan
    from flows.server import down, free_port, up
    from screening.rubric import DEFAULT_RUBRIC

    root = tmp_path_factory.mktemp("system")
    rubric = root / "wps.yaml"
    rubric.write_text(DEFAULT_RUBRIC.read_text(encoding="utf-8"), encoding="utf-8")
    plan = Plan(
        db=root / "data" / "warehouse.duckdb",
        inbox=root / "data" / "inbox",
        inbox_every=10,
        cron="30 2 * * *",
        timezone="Africa/Juba",
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_HOME", str(root / "prefect"))
        env.setenv("SCREENING_DATA_DIR", str(root / "data"))
        env.setenv("SCREENING_RUBRIC", str(rubric))
        env.delenv("PREFECT_API_URL", raising=False)  # `up` sets it for what it starts
        env.delenv("SCREENING_DB", raising=False)
        env.delenv("SCREENING_INBOX", raising=False)
        # Ports the system chooses: 4200 and 8000 may serve someone else on this machine.
        state = up(plan, workers=2, port=free_port(), page_port=free_port(), say=lambda _: None)
        from prefect.settings import PREFECT_API_URL, temporary_settings

        try:
            with temporary_settings({PREFECT_API_URL: state["api_url"]}):
                yield {**state, "root": root, "plan": plan, "rubric": rubric}
        finally:
            down(say=lambda _: None)


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _task_runs(flow_run_ids: list) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with _client() as client:
        return client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids))
        )


def _intervals(task_runs: list, prefix: str) -> list[tuple]:
    return sorted(
        (t.start_time, t.end_time, t.flow_run_id)
        for t in task_runs
        if t.name.startswith(prefix) and t.start_time and t.end_time
    )


def _overlapping(intervals: list[tuple]) -> bool:
    return any(a[1] > b[0] for a, b in zip(intervals, intervals[1:], strict=False))


def _snapshot(system, sql: str) -> list[tuple]:
    """`sql` on the published snapshot; nothing before anything was published (xdist does not
    keep the order of this module's tests)."""
    from screening import warehouse
    from screening.config import published_path

    if not published_path(system["plan"].db).exists():
        return [(0,)] if "count(*)" in sql else []
    # warehouse.connect attaches the snapshot's per-upload parts, as every reader must.
    with warehouse.connect(published_path(system["plan"].db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(1)
    raise AssertionError(f"{what} within {seconds} s")


def _flow_runs(deployment: str, states: list) -> list:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )

    with _client() as client:
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[deployment])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states))
            ),
        )


def test_the_server_answers_and_the_nightly_refresh_is_scheduled_in_the_ministry_zone(system):
    from zoneinfo import ZoneInfo

    from prefect.client.schemas.objects import StateType

    from flows.server import healthy

    assert healthy(system["api_url"])
    assert system["api_url"].startswith("http://127.0.0.1:")
    assert Path(os.environ["PREFECT_HOME"], "prefect.db").exists()  # SQLite by default

    runs = _wait(
        lambda: _flow_runs("refresh-screening", [StateType.SCHEDULED]),
        10,
        "no scheduled run of refresh-screening",
    )
    start = runs[0].expected_start_time.astimezone(ZoneInfo("Africa/Juba"))
    assert (start.hour, start.minute) == (2, 30)
    # Parameters live on the deployment, none on the schedule (pausing one wipes its own).
    with _client() as client:
        deployment = client.read_deployment_by_name("refresh_screening/refresh-screening")
    assert deployment.parameters == {"db": str(system["plan"].db)}
    assert [s.parameters for s in deployment.schedules] == [{}]


def test_four_uploads_at_once_load_one_at_a_time_and_queries_go_on(system, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from flows.deploy import ingest_on_server
    from screening import config, warehouse

    files = [
        _workbook(tmp_path / f"{name}.xlsx", country)
        for name, country in [("sudan", "SDN"), ("mali", "MLI"), ("uganda", "UGA"), ("chad", "TCD")]
    ]
    queries, failures, stop = [], [], threading.Event()

    def query_snapshot() -> None:  # an evaluator, querying all along
        while not stop.is_set():
            snapshot = config.published_path(system["plan"].db)
            if snapshot.exists():
                try:
                    warehouse.query(snapshot, "SELECT count(*) FROM projects_current")
                    queries.append(time.time())
                except Exception as error:  # noqa: BLE001 - counted, asserted below
                    failures.append(error)
            time.sleep(0.1)

    evaluator = threading.Thread(target=query_snapshot)
    evaluator.start()
    try:
        with ThreadPoolExecutor(4) as pool:  # each thread in this test's Prefect settings
            contexts = [contextvars.copy_context() for _ in files]
            summaries = list(
                pool.map(
                    lambda c, f: c.run(ingest_on_server, f, None, RUN_SECONDS), contexts, files
                )
            )
    finally:
        stop.set()
        evaluator.join()

    assert [s["status"] for s in summaries] == ["loaded"] * 4
    for s in summaries:
        assert s["rows_read"] == 150 == s["rows_loaded"] + s["rows_rejected"] + s["rows_skipped"]
        assert s["rows_rejected"] == 15
    loaded = _snapshot(system, "SELECT count(*) FROM projects_current")[0][0]
    assert loaded == sum(s["rows_loaded"] for s in summaries) == 540

    # The flow runs of these uploads, and their task runs, as the API recorded them.
    from prefect.client.schemas.objects import StateType

    runs = [r for r in _flow_runs("ingest-portfolio", [StateType.COMPLETED])
            if Path(r.parameters["path"]).parent == tmp_path]  # fmt: skip
    assert len(runs) == 4
    task_runs = _task_runs([r.id for r in runs])
    loads = _intervals(task_runs, "load-")
    assert len(loads) == 4
    assert not _overlapping(loads), loads
    reading = sorted(_intervals(task_runs, "read-") + _intervals(task_runs, "validate-"))
    assert _overlapping(reading), "no two uploads were read or validated at the same time"
    assert not failures, failures[:3]
    during = [q for q in queries if any(a.timestamp() < q < b.timestamp() for a, b, _ in loads)]
    assert during, "no query ran while an upload was loading"


def test_the_page_and_the_command_line_hand_uploads_to_the_workers(system, tmp_path, monkeypatch):
    import json
    import urllib.request

    from typer.testing import CliRunner

    from faces.cli import app

    page_file = _workbook(tmp_path / "guinea.xlsx", "GIN", rows=5)
    request = urllib.request.Request(
        f"{system['page_url']}upload?file_name=guinea.xlsx",
        data=page_file.read_bytes(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=RUN_SECONDS) as answer:
        assert json.load(answer)["status"] == "loaded"

    monkeypatch.setenv("PREFECT_API_URL", system["api_url"])  # as the command line finds it
    cli_file = _workbook(tmp_path / "yemen.xlsx", "YEM", rows=5)
    submitted = CliRunner().invoke(app, ["ingest", "--submit", str(cli_file)])
    assert submitted.exit_code == 0, submitted.output
    assert "yemen.xlsx: upload" in submitted.output

    by = _snapshot(system, "SELECT file_name, uploaded_by FROM uploads WHERE file_name IN "
                   "('guinea.xlsx', 'yemen.xlsx') ORDER BY 1")  # fmt: skip
    assert [name for name, _ in by] == ["guinea.xlsx", "yemen.xlsx"] and by[0][1] == "web"
    from prefect.client.schemas.objects import StateType

    ran = {
        Path(r.parameters["path"]).name
        for r in _flow_runs("ingest-portfolio", [StateType.COMPLETED])
    }
    assert {"guinea.xlsx", "yemen.xlsx"} <= ran  # on the workers, through the deployment

    status = CliRunner().invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    for text in (
        "ingest_portfolio/ingest-portfolio: on demand; last run: Completed",
        "watch_inbox/watch-inbox: every 10 s",
        "refresh_screening/refresh-screening: cron 30 2 * * * (Africa/Juba)",
        "Snapshot published",
        "0 file(s) waiting",
    ):
        assert text in status.output, status.output  # fmt: skip


def test_a_missing_writer_limit_fails_the_upload_and_writes_nothing(system, tmp_path):
    from flows.deploy import ingest_on_server
    from flows.writer import WRITER_LIMIT, ensure_writer_limit
    from screening.errors import ScreeningError

    path = _workbook(tmp_path / "somalia.xlsx", "SOM", rows=5)
    with _client() as client:
        client.delete_global_concurrency_limit_by_name(WRITER_LIMIT)
    try:
        with pytest.raises(ScreeningError, match="duckdb-writer"):
            ingest_on_server(path, timeout=RUN_SECONDS)
    finally:
        ensure_writer_limit()
    assert _snapshot(system, "SELECT count(*) FROM uploads WHERE file_name = 'somalia.xlsx'") == [
        (0,)
    ]


HOLDER = """
import sys, time
from pathlib import Path

from prefect import flow

from flows.writer import writer_slot
from screening import warehouse


@flow(name="hold_the_writer")
def hold(db: str) -> None:
    with writer_slot(), warehouse.connect(Path(db)) as con:
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO uploads (file_name, sha256, size_bytes, uploaded_at, status) "
            "VALUES ('killed.xlsx', 'x', 1, now()::TIMESTAMP, 'loaded')"
        )
        print("holding", flush=True)
        time.sleep(600)


hold(sys.argv[1])
"""


def test_a_killed_run_frees_the_slot_within_the_lease_and_leaves_nothing(system, tmp_path):
    from flows.deploy import ingest_on_server
    from flows.writer import LEASE_SECONDS

    script = tmp_path / "hold.py"
    script.write_text(HOLDER, encoding="utf-8")
    env = {**os.environ, "PREFECT_API_URL": system["api_url"]}
    holder = subprocess.Popen(
        [sys.executable, str(script), str(system["plan"].db)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    killed_at = time.time()

    summary = ingest_on_server(_workbook(tmp_path / "niger.xlsx", "NER", rows=5), timeout=300)

    assert summary["status"] == "loaded"
    from prefect.client.schemas.objects import StateType

    (run,) = [r for r in _flow_runs("ingest-portfolio", [StateType.COMPLETED])
              if r.parameters["path"].endswith("niger.xlsx")]  # fmt: skip
    # Its first step that holds the writer slot (the look-up of an earlier upload).
    (first,) = _intervals(_task_runs([run.id]), "find_duplicate-")
    assert first[0].timestamp() - killed_at < LEASE_SECONDS + 30
    assert _snapshot(system, "SELECT count(*) FROM uploads WHERE file_name = 'killed.xlsx'") == [
        (0,)
    ]


def test_a_file_dropped_in_the_inbox_is_ingested_by_the_schedule(system):
    inbox = system["plan"].inbox
    _workbook(inbox / "liberia.xlsx", "LBR", rows=5)

    processed = inbox / "processed" / "liberia.xlsx"
    _wait(processed.exists, RUN_SECONDS, "the scheduled watch-inbox did not file liberia.xlsx")
    rows = _snapshot(system, "SELECT status FROM uploads WHERE file_name = 'liberia.xlsx'")
    assert rows == [("loaded",)]


def test_a_rubric_change_makes_refresh_screening_rescreen_with_the_new_version(system):
    from prefect.client.schemas.objects import StateType

    from flows.deploy import ingest_on_server
    from screening.rubric import load_rubric

    # Something screened under the current rubric, whichever tests ran before.
    ingest_on_server(_workbook(system["root"] / "gambia.xlsx", "GMB", rows=5), None, RUN_SECONDS)
    done_before = {r.id for r in _flow_runs("refresh-screening", [StateType.COMPLETED])}
    rubric = system["rubric"]
    before = load_rubric(rubric).version
    rubric.write_text(
        rubric.read_text(encoding="utf-8").replace("title:", "title: Revised -", 1),
        encoding="utf-8",
    )
    after = load_rubric(rubric).version
    assert after != before

    # The next watch-inbox run sees results of an older version and asks for a refresh.
    _wait(
        lambda: (
            {r.id for r in _flow_runs("refresh-screening", [StateType.COMPLETED])} - done_before
        ),
        RUN_SECONDS,
        "refresh-screening did not run after the rubric changed",
    )
    versions = _snapshot(system, "SELECT DISTINCT rubric_version FROM screening_current")
    assert versions == [(after,)]


def test_down_leaves_no_process_behind(system):
    from flows.server import down, group_alive, running

    pids = system["pids"]
    assert running() is not None
    assert down(say=lambda _: None)

    assert running() is None
    assert [name for name, pid in pids.items() if group_alive(pid)] == []
    root = str(system["root"])
    leftovers = []
    for proc in Path("/proc").iterdir():
        try:
            if root.encode() in (proc / "environ").read_bytes() and int(proc.name) != os.getpid():
                leftovers.append((proc / "cmdline").read_bytes().replace(b"\0", b" ")[:120])
        except (OSError, ValueError):
            continue
    assert leftovers == []

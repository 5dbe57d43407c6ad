"""The pipeline as Prefect deployments on a `process` work pool, and how to run them.

`deploy_all` creates (or updates) the work pool, the `duckdb-writer` limit and three
deployments, each from the project's own source (`flow.from_source(PROJECT_DIR, ...)`), so
a worker on any machine with this checkout runs the same code:

- `ingest_portfolio/ingest-portfolio`: one upload; run by the page, the inbox and
  `screening ingest --submit`;
- `watch_inbox/watch-inbox`: every `inbox_every` seconds, the inbox;
- `refresh_screening/refresh-screening`: nightly (`cron`, in the ministry's `timezone`), and
  whenever the rubric, its reference lists or the screening code changed (the inbox run
  asks for it).

Parameters live on the deployment, never on a schedule: Prefect 3.9 wipes a schedule's
parameters when it is paused.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from screening import config

POOL = "screening"
INGEST = "ingest_portfolio/ingest-portfolio"
WATCH = "watch_inbox/watch-inbox"
REFRESH = "refresh_screening/refresh-screening"
ENTRYPOINTS = {
    INGEST: "flows/ingest.py:ingest_portfolio",
    WATCH: "flows/refresh.py:watch_inbox",
    REFRESH: "flows/refresh.py:refresh_screening",
}


@dataclass(frozen=True)
class Plan:
    """What `screening up` deploys, and where the deployments read and write."""

    db: Path
    inbox: Path
    inbox_every: int = 300
    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    pool: str = POOL


def ensure_pool(name: str = POOL) -> None:
    """Create the `process` work pool `name` unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(
            WorkPoolCreate(
                name=name,
                type="process",
                base_job_template=ProcessWorker.get_default_base_job_template(),
            )
        )


def deploy_all(plan: Plan) -> dict[str, str]:
    """Create or update the pool, the writer limit and the three deployments; return each
    deployment's name and id."""
    from prefect import Flow, flow
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron, Interval

    from flows.writer import ensure_writer_limit

    ensure_pool(plan.pool)
    ensure_writer_limit()
    db, inbox = str(plan.db), str(plan.inbox)
    settings: dict[str, dict[str, Any]] = {
        INGEST: {"parameters": {"db": db}},
        # One look at the inbox at a time (two would file the same file twice): a run due
        # while one still works is dropped, the next one comes soon.
        WATCH: {
            "parameters": {"inbox": inbox, "db": db},
            "schedule": Interval(plan.inbox_every),
            "concurrency_limit": ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
            ),
        },
        REFRESH: {
            "parameters": {"db": db},
            "schedule": Cron(plan.cron, timezone=plan.timezone),
            "concurrency_limit": 1,
        },
    }
    ids = {}
    for name, entrypoint in ENTRYPOINTS.items():
        source = cast(
            "Flow[..., Any]",
            # _sync: Prefect would hand back a coroutine wherever an event loop runs (a test's,
            # a page's), and these calls are made from plain code that waits for them.
            flow.from_source(source=str(config.PROJECT_DIR), entrypoint=entrypoint, _sync=True),  # type: ignore[call-arg]
        )
        with contextlib.redirect_stdout(io.StringIO()):  # deploy prints a table each time
            ids[name] = str(
                source.deploy(  # type: ignore[call-arg]  # _sync: async_dispatch
                    name=name.split("/")[1],
                    work_pool_name=plan.pool,
                    print_next_steps=False,
                    ignore_warnings=True,
                    _sync=True,
                    **settings[name],
                )
            )
    return ids


def submit(deployment: str, parameters: dict, timeout: float | None = None) -> dict:
    """Run `deployment` on the workers and wait (at most `timeout` seconds; None: until it
    ends); return the flow's result, or raise what made it fail."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    from screening.errors import ScreeningError

    run = cast(
        "FlowRun",
        run_deployment(  # type: ignore[call-arg]  # _sync: async_dispatch
            deployment, parameters=parameters, timeout=timeout, as_subflow=False, _sync=True
        ),
    )
    if run.state is None or not run.state.is_final():
        raise ScreeningError(
            f"The run {run.name} of {deployment} did not finish in time; it goes on, and "
            "`screening status` shows how it ended."
        )
    if not run.state.is_completed():
        try:
            run.state.result()  # raises what made the flow fail, when it was kept
        except ScreeningError:
            raise
        except Exception:  # noqa: BLE001 - not kept: the state's message says it
            pass
        raise ScreeningError(
            f"The run {run.name} of {deployment} ended {run.state.name}: {run.state.message}"
        )
    return run.state.result()


def ingest_on_server(
    path: Path, parameters: Mapping[str, object] | None = None, timeout: float | None = None
) -> dict:
    """`ingest_portfolio` of `path` on the workers of the running server (`ingest-portfolio`),
    with the flow's other `parameters` (None values left to the deployment)."""
    given = {k: str(v) if isinstance(v, Path) else v for k, v in (parameters or {}).items()}
    return submit(INGEST, {"path": str(path), **{k: v for k, v in given.items() if v is not None}},
                  timeout)  # fmt: skip


def overview() -> list[dict]:
    """Each deployment on the current Prefect API: its name, schedules, last finished run
    and next scheduled run (times in UTC)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    finished = [StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED]

    def runs(client, deployment_id, states, sort):
        return client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states))
            ),
            sort=sort,
            limit=1,
        )

    rows = []
    with get_client(sync_client=True) as client:
        flows = {f.id: f.name for f in client.read_flows()}
        for deployment in client.read_deployments():
            last = runs(client, deployment.id, finished, FlowRunSort.END_TIME_DESC)
            upcoming = runs(
                client, deployment.id, [StateType.SCHEDULED], FlowRunSort.EXPECTED_START_TIME_ASC
            )
            rows.append(
                {
                    "deployment": f"{flows.get(deployment.flow_id, '?')}/{deployment.name}",
                    "schedule": "; ".join(
                        _schedule_text(s.schedule) + ("" if s.active else " (paused)")
                        for s in deployment.schedules
                    ),
                    "last_run": last[0].state_name if last else None,
                    "last_end": last[0].end_time if last else None,
                    "next_run": upcoming[0].expected_start_time if upcoming else None,
                }
            )
    return sorted(rows, key=lambda row: row["deployment"])


def _schedule_text(schedule: object) -> str:
    if cron := getattr(schedule, "cron", None):
        return f"cron {cron} ({getattr(schedule, 'timezone', None) or 'UTC'})"
    if interval := getattr(schedule, "interval", None):
        return f"every {int(interval.total_seconds())} s"
    return str(schedule)

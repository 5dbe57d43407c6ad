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
from dataclasses import dataclass
from pathlib import Path

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
    from prefect import flow
    from prefect.schedules import Cron, Interval

    from flows.writer import ensure_writer_limit

    ensure_pool(plan.pool)
    ensure_writer_limit()
    db, inbox = str(plan.db), str(plan.inbox)
    settings = {
        INGEST: {"parameters": {"db": db}},
        WATCH: {
            "parameters": {"inbox": inbox, "db": db},
            "schedule": Interval(plan.inbox_every),
        },
        REFRESH: {
            "parameters": {"db": db},
            "schedule": Cron(plan.cron, timezone=plan.timezone),
        },
    }
    ids = {}
    for name, entrypoint in ENTRYPOINTS.items():
        source = flow.from_source(source=str(config.PROJECT_DIR), entrypoint=entrypoint)
        ids[name] = str(
            source.deploy(
                name=name.split("/")[1],
                work_pool_name=plan.pool,
                print_next_steps=False,
                ignore_warnings=True,
                **settings[name],
            )
        )
    return ids


def submit(deployment: str, parameters: dict, timeout: float | None = None) -> dict:
    """Run `deployment` on the workers and wait (at most `timeout` seconds; None: until it
    ends); return the flow's result, or raise what made it fail."""
    from prefect.deployments import run_deployment

    from screening.errors import ScreeningError

    run = run_deployment(deployment, parameters=parameters, timeout=timeout, as_subflow=False)
    if run.state is None or not run.state.is_final():
        raise ScreeningError(
            f"The run {run.name} of {deployment} did not finish in time; it goes on, and "
            "`screening status` shows how it ended."
        )
    if not run.state.is_completed():
        try:
            run.state.result()  # raises what made the flow fail, when it was recorded
        except ScreeningError:
            raise
        except Exception as error:  # noqa: BLE001 - the flow's own failure, said in one line
            raise ScreeningError(f"{run.state.name}: {error}") from error
        raise ScreeningError(f"The run {run.name} of {deployment} ended {run.state.name}.")
    return run.state.result()


def ingest_on_server(path: Path, timeout: float | None = None, **parameters: object) -> dict:
    """`ingest_portfolio` on the workers of the running server (`ingest-portfolio`)."""
    given = {k: v for k, v in parameters.items() if v is not None}
    if "db" in given:
        given["db"] = str(given["db"])
    return submit(INGEST, {"path": str(path), **given}, timeout)

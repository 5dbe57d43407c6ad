"""What the schedules run: the inbox (`watch-inbox`) and the re-screening (`refresh-screening`).

`refresh_screening` screens every current project again with the current rubric, then
publishes the snapshot: nightly, and whenever the rubric, its reference lists or the
screening code changed since the stored results were made (a watch-inbox run that finds
results of an older rubric version asks for one run per new version).

A large warehouse is screened in partitions in parallel (`partition_rows` projects each) on
a Dask cluster: a LocalCluster on this machine, or the scheduler at `dask_address`
(`SCREENING_DASK_ADDRESS`). The flow holds the writer slot from reading the projects to
storing the results, so no upload lands in between; the partitions themselves touch
nothing but their own files.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pandas as pd
from prefect import flow, task

from flows.inbox import ingest_inbox
from flows.tasks import publish, screen
from flows.writer import one_writer, writer_slot
from screening import config, staging

PARTITION_ROWS = 200_000  # projects screened in one process before a re-screen is split


@one_writer
@task
def count_current(db: str) -> int:
    from screening import warehouse

    if not Path(db).exists():
        return 0
    return int(warehouse.query(Path(db), "SELECT count(*) FROM projects_current").iloc[0, 0])


@one_writer
@task
def outdated(db: str) -> str | None:
    """The current rubric version when some current project has no result under it (the
    rubric, its lists or the screening code changed), else None."""
    from screening.rescreen import unscreened
    from screening.rubric import load_rubric

    version = load_rubric(config.rubric_path()).version
    return version if unscreened(Path(db), version) else None


@task
def export_partitions(db: str, work: str, partition_rows: int) -> list[str]:
    """Write the current projects as Parquet files of at most `partition_rows` rows each.
    The caller holds the writer slot."""
    from screening import warehouse

    projects = warehouse.current_projects(Path(db))
    parts = []
    for i, start in enumerate(range(0, len(projects), partition_rows)):
        part = projects.iloc[start : start + partition_rows]
        folder = Path(work) / f"part-{i:04d}"
        parts.append(str(staging.write_frame(folder, "projects", part, to_file=True)))
    return parts


@task
def screen_partition(projects: str, rubric: str | None) -> str:
    """Screen one partition (a Dask worker is a process already: `screen` forks no more)."""
    from screening.rescreen import screen_projects
    from screening.rubric import load_rubric

    folder = Path(projects).parent
    results, evidence = screen_projects(pd.read_parquet(projects), load_rubric(rubric), workers=1)
    # Partitions are screened on Dask workers, in other processes: hand them on as files.
    staging.write_frame(folder, "results", results, to_file=True)
    staging.write_frame(folder, "evidence", evidence, to_file=True)
    return str(folder)


@task
def store_partitions(db: str, folders: list[str], rubric: str | None) -> dict:
    """Store every partition's results in one transaction. The caller holds the writer slot."""
    from screening.rescreen import store_results
    from screening.rubric import load_rubric

    def gather(name: str) -> pd.DataFrame:
        return pd.concat([staging.read_frame(Path(f), name) for f in folders], ignore_index=True)

    return store_results(Path(db), gather("results"), gather("evidence"), load_rubric(rubric))


@flow(name="screen_partitions")
def screen_partitions(parts: list[str], rubric: str | None) -> list[str]:
    """The partitions, in parallel on whatever task runner the caller chose."""
    from prefect import unmapped

    return [f.result() for f in screen_partition.map(parts, rubric=unmapped(rubric))]


def dask_runner(partitions: int, address: str | None):
    """A DaskTaskRunner on the cluster at `address`, else on a LocalCluster of this machine."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    workers = max(1, min(partitions, os.cpu_count() or 1))
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None}
    )


@flow(name="refresh_screening")
def refresh_screening(
    db: str | None = None,
    partition_rows: int = PARTITION_ROWS,
    dask_address: str | None = None,
) -> dict:
    """Screen every current project again with the current rubric; publish the snapshot.
    Returns the counts by flag, and how many partitions were screened."""
    db = db or str(config.default_db_path())
    rubric = str(path) if (path := config.rubric_path()) else None
    if count_current(db) <= partition_rows:
        summary = {**screen(db), "partitions": 1}
    else:
        work = config.work_dir() / f"refresh-{uuid.uuid4().hex}"
        try:
            with writer_slot():
                parts = export_partitions(db, str(work), partition_rows)
                runner = dask_runner(
                    len(parts), dask_address or os.environ.get("SCREENING_DASK_ADDRESS")
                )
                folders = screen_partitions.with_options(task_runner=runner)(parts, rubric)
                summary = {**store_partitions(db, folders, rubric), "partitions": len(parts)}
        finally:
            shutil.rmtree(work, ignore_errors=True)
    publish(db)
    return summary


@flow(name="watch_inbox")
def watch_inbox(
    inbox: str | None = None, db: str | None = None, settle_seconds: float = 2.0
) -> dict:
    """Ingest what waits in the inbox (files still being copied wait for the next run); when
    the stored results are of an older rubric, ask for a `refresh-screening` run (on the
    server; one per rubric version), or re-screen here when run on its own."""
    from prefect.runtime import deployment

    db = db or str(config.default_db_path())
    uploads = ingest_inbox(inbox, db, settle_seconds)
    refresh = None
    if version := outdated(db):
        if deployment.id:
            from prefect.deployments import run_deployment

            from flows.deploy import REFRESH

            run = run_deployment(
                REFRESH,
                parameters={"db": db},
                timeout=0,
                idempotency_key=f"rubric-{version}",
                as_subflow=False,
            )
            refresh = {"flow_run": str(getattr(run, "id", "")), "rubric_version": version}
        else:
            refresh = refresh_screening(db)
    return {"uploads": uploads, "refresh": refresh}

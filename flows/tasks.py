"""The Prefect tasks: each wraps one stage of `screening/` and passes paths and small values.

Tasks read and write the upload's work folder (`screening.staging`: frames by name, in
memory within one process, as Parquet files with SCREENING_WORK_FILES=1), never pass frames
or connections, so each could run in another process. A task that opens the warehouse runs
inside the `duckdb-writer` slot (`@one_writer`, flows/writer.py): one at a time, everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from flows.writer import one_writer
from screening import config, staging
from screening.errors import UploadRefused, WarehouseBusy


def _warehouse_busy(task, task_run, state) -> bool:
    """Retry a write only while another process holds the warehouse; a bug is not retried."""
    try:
        state.result()
    except WarehouseBusy:
        return True
    except Exception:
        return False
    return False


# While a process outside Prefect (a reader of the warehouse file) holds it, wait up to about
# a minute and a half.
WRITE: dict[str, Any] = {"retries": 8, "retry_delay_seconds": [2, 4, 8, 10, 12, 15, 15, 20],
         "retry_condition_fn": _warehouse_busy}  # fmt: skip


@task
def archive(path: str, file_name: str) -> dict:
    """Keep the original file under data/archive/ by its content hash (unless it is over the
    upload limit, and so refused unread)."""
    from screening.archive import archive_file

    return archive_file(
        Path(path), config.archive_dir(), file_name, max_bytes=config.MAX_UPLOAD_BYTES
    ).as_dict()


@one_writer
@task(**WRITE)
def find_duplicate(db: str, upload: dict) -> dict | None:
    """The upload this one repeats: the same file, options and portfolio, still current."""
    from screening import warehouse

    return warehouse.find_duplicate(Path(db), upload)


@task
def read(archive_path: str, file_name: str, work: str) -> dict | None:
    """Read every sheet into raw rows; a refusal comes back as a value, not a crash."""
    from screening.readers import read_upload

    folder = Path(work)
    try:
        result = read_upload(Path(archive_path), file_name=file_name)
    except UploadRefused as refusal:
        return {"rule": refusal.rule, "message": str(refusal)}
    staging.write_frame(folder, "rows", result.rows)
    staging.write_frame(folder, "read_findings", result.findings)
    staging.write_frame(folder, "columns", result.columns)
    if result.lines is not None:
        staging.write_frame(folder, "crs_lines", result.lines)
    staging.write_json(folder, "read", {"sheets": result.sheets, "rows_merged": result.rows_merged})
    return None


@task
def normalise(work: str, channel: str | None) -> None:
    """Canonical columns and types; values that do not convert become findings."""
    from screening.normalise import normalise as normalise_rows

    folder = Path(work)
    rows = staging.read_frame(folder, "rows")
    projects, findings = normalise_rows(rows[rows["skip_rule"].isna()], channel=channel)
    staging.write_frame(folder, "projects", projects)
    staging.write_frame(folder, "normalise_findings", findings)


@task
def validate(work: str) -> None:
    """Run the Great Expectations suites in expectations/ over the projects."""
    from screening.validate import validate as validate_projects

    folder = Path(work)
    prior = staging.read_frame(folder, "normalise_findings")
    findings = validate_projects(staging.read_frame(folder, "projects"), prior)
    staging.write_frame(folder, "validate_findings", findings)


@one_writer
@task(**WRITE)
def load(work: str, db: str, upload: dict) -> dict:
    """One DuckDB transaction for the whole upload; retried while another writer holds the file."""
    from screening import warehouse

    folder = Path(work)
    findings = staging.read_findings(
        folder, "read_findings", "normalise_findings", "validate_findings"
    )
    return warehouse.load_upload(
        Path(db),
        upload,
        staging.read_frame(folder, "rows"),
        staging.read_frame(folder, "projects"),
        findings,
        rows_merged=staging.read_json(folder, "read")["rows_merged"],
        crs_lines=(
            staging.read_frame(folder, "crs_lines")
            if staging.has_frame(folder, "crs_lines")
            else None
        ),
        columns=staging.read_frame(folder, "columns"),
    )


@one_writer
@task
def refuse(db: str, upload: dict, refusal: dict) -> dict:
    """Record a refused upload (nothing of it is loaded)."""
    from screening import warehouse

    return warehouse.record_refusal(Path(db), upload, refusal["rule"], refusal["message"])


@one_writer
@task(**WRITE)
def screen(db: str, upload_id: int | None = None) -> dict:
    """Screen the current projects (of one upload, or all) against the rubric; store evidence."""
    from screening.rescreen import screen_warehouse

    return screen_warehouse(Path(db), upload_id)


@one_writer
@task(**WRITE)
def publish(db: str) -> str:
    """Refresh the read-only snapshot evaluators query, so they never wait on a flow."""
    from screening import warehouse

    return str(warehouse.publish_snapshot(Path(db), config.published_path(Path(db))))

"""One upload, end to end: archive → read → normalise → validate → load.

Each task wraps one stage of `screening/` and passes the upload's work folder (Parquet
files) to the next, never frames or connections. The flow holds no business logic.
"""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path

from screening.config import configure_offline

configure_offline()

from prefect import flow, task  # noqa: E402  (Prefect reads its settings at import)

from screening import config, staging  # noqa: E402
from screening.errors import UploadRefused  # noqa: E402


@task
def archive(path: str, file_name: str) -> dict:
    """Keep the original file under data/archive/ by its content hash."""
    from screening.archive import archive_file

    return archive_file(Path(path), config.archive_dir(), file_name).as_dict()


@task
def read(archive_path: str, file_name: str, work: str) -> dict | None:
    """Read every sheet into raw rows; a refusal comes back as a value, not a crash."""
    from screening.read import read_portfolio

    folder = Path(work)
    try:
        result = read_portfolio(Path(archive_path), file_name=file_name)
    except UploadRefused as refusal:
        return {"rule": refusal.rule, "message": str(refusal)}
    staging.write_frame(folder, "rows", result.rows)
    staging.write_frame(folder, "read_findings", result.findings)
    staging.write_json(folder, "sheets", result.sheets)
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


@task(retries=3, retry_delay_seconds=2)
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
    )


@task
def refuse(db: str, upload: dict, refusal: dict) -> dict:
    """Record a refused upload (nothing of it is loaded)."""
    from screening import warehouse

    return warehouse.record_refusal(Path(db), upload, refusal["rule"], refusal["message"])


@task
def publish(db: str) -> str:
    """Refresh the read-only snapshot evaluators query, so they never wait on this flow."""
    from screening import warehouse

    return str(warehouse.publish_snapshot(Path(db), config.published_path(Path(db))))


@task
def find_duplicate(db: str, sha256: str) -> dict | None:
    """The earlier upload of the very same file, if it was loaded."""
    from screening import warehouse

    return warehouse.find_loaded_upload(Path(db), sha256)


@flow(name="ingest_portfolio", log_prints=True)
def ingest_portfolio(
    path: str,
    channel: str | None = None,
    db: str | None = None,
    uploaded_by: str | None = None,
    file_name: str | None = None,
) -> dict:
    """Ingest one portfolio file; return its `uploads` row (with `duplicate` when seen before)."""
    db = db or str(config.default_db_path())
    upload = archive(path, file_name or Path(path).name)
    upload["uploaded_by"] = uploaded_by or getpass.getuser()
    if Path(db).exists() and (earlier := find_duplicate(db, upload["sha256"])):
        return {**earlier, "duplicate": True}
    work = str(config.work_dir() / upload["sha256"])
    refusal = read(upload["archive_path"], upload["file_name"], work)
    if refusal:
        summary = refuse(db, upload, refusal)
    else:
        normalise(work, channel)
        validate(work)
        summary = load(work, db, upload)
        shutil.rmtree(work, ignore_errors=True)
    publish(db)
    return summary


if __name__ == "__main__":
    import sys

    for argument in sys.argv[1:]:
        print(ingest_portfolio(argument))

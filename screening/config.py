"""Where things live, and the environment every entry point sets before Prefect is imported."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
REFERENCE_DIR = PROJECT_DIR / "data" / "reference"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
RULES_DIR = PACKAGE_DIR / "rules"

# What `screening ingest FOLDER` and the inbox pick up: workbooks, CSV, IATI XML (plain or gzipped).
PORTFOLIO_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".xml", ".gz")


def is_portfolio_file(path: Path) -> bool:
    """A file to ingest from a folder: a portfolio suffix, and not Excel's `~$` lock file or a
    hidden file."""
    return (
        path.is_file()
        and path.suffix.lower() in PORTFOLIO_SUFFIXES
        and not path.name.startswith(("~$", "."))
    )


# Size limits for uploads; overridable through the environment for large corpora.
MAX_UPLOAD_BYTES = int(os.environ.get("SCREENING_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
MAX_UNZIPPED_BYTES = int(os.environ.get("SCREENING_MAX_UNZIPPED_BYTES", 500 * 1024 * 1024))


def data_dir() -> Path:
    """Runtime folder: inbox, archive, warehouse, Prefect home. `SCREENING_DATA_DIR` overrides."""
    return Path(os.environ.get("SCREENING_DATA_DIR", PROJECT_DIR / "data"))


def default_db_path() -> Path:
    """The warehouse: `SCREENING_DB` if set, else `data/warehouse.duckdb`."""
    env = os.environ.get("SCREENING_DB")
    return Path(env) if env else data_dir() / "warehouse.duckdb"


def published_path(db_path: Path) -> Path:
    """The read-only snapshot evaluators query: `published/<name>` beside the warehouse."""
    return db_path.parent / "published" / db_path.name


def readable_db(db_path: Path) -> Path:
    """What a reader opens: the published snapshot when there is one, so a query never waits
    on (or blocks) a flow that is writing; else the warehouse itself."""
    snapshot = published_path(db_path)
    return snapshot if snapshot.exists() else db_path


def rubric_path() -> Path | None:
    """The rubric to screen with: `SCREENING_RUBRIC` (a ministry's own copy), else None for
    the bundled screening/rubrics/wps.yaml."""
    env = os.environ.get("SCREENING_RUBRIC")
    return Path(env) if env else None


def archive_dir() -> Path:
    return data_dir() / "archive"


def inbox_dir() -> Path:
    """Where portfolios dropped for `screening watch` wait: `SCREENING_INBOX` or data/inbox/."""
    env = os.environ.get("SCREENING_INBOX")
    return Path(env) if env else data_dir() / "inbox"


def work_dir() -> Path:
    """Scratch space where flow tasks hand each other Parquet files."""
    return data_dir() / "work"


def configure_offline() -> None:
    """Keep Prefect on this machine: no telemetry, its home under data/ unless the user chose one.

    Must run before `prefect` is imported, because Prefect reads its settings at import.
    """
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_HOME", str(data_dir() / "prefect"))
    # Prefect cannot make its home under a folder that does not exist, and then waits minutes
    # for an API server that never starts.
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    # The ephemeral API server can be slow to start on a busy 2-core machine, above all the
    # first time, when it creates its database (over 90 s measured); a server that fails
    # is noticed at once all the same.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Concurrency leases on disk under PREFECT_HOME, not in one server's memory: a lease of a
    # run that crashed is still freed after a restart, or by another process's ephemeral API.
    os.environ.setdefault(
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE",
        "prefect.server.concurrency.lease_storage.filesystem",
    )

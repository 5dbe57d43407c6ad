"""One upload, end to end: archive → read → normalise → validate → load → screen → publish."""

from __future__ import annotations

import getpass
import tempfile
from pathlib import Path

from filelock import FileLock
from prefect import flow

from flows.tasks import (
    archive,
    find_duplicate,
    load,
    normalise,
    publish,
    read,
    refuse,
    screen,
    validate,
)
from screening import config, staging


@flow(name="ingest_portfolio", persist_result=True)  # read back by those who submit it
def ingest_portfolio(
    path: str,
    channel: str | None = None,
    db: str | None = None,
    uploaded_by: str | None = None,
    file_name: str | None = None,
    portfolio: str | None = None,
) -> dict:
    """Ingest one portfolio file; return its `uploads` row (with `duplicate` when it repeats
    the current version of its portfolio: the same content with the same channel).

    `portfolio` names what the file is a version of (default: its file name); the newest
    upload of a portfolio supersedes the older ones in `projects_current`.
    """
    db = db or str(config.default_db_path())
    upload = archive(path, file_name or Path(path).name)
    upload["uploaded_by"] = uploaded_by or getpass.getuser()
    upload["portfolio"] = portfolio
    upload["chosen_channel"] = channel
    # The same bytes may arrive twice at once (the page and the inbox): the second run waits
    # here for the first, then finds it loaded. Each run works in a folder of its own.
    with _one_run_per_content(upload["sha256"]):
        if earlier := find_duplicate(db, upload):
            return {**earlier, "duplicate": True}
        config.work_dir().mkdir(parents=True, exist_ok=True)
        work = tempfile.mkdtemp(prefix=f"{upload['sha256'][:16]}-", dir=config.work_dir())
        try:
            # A file over the limit was not archived: read (which refuses it) reads the original.
            if refusal := read(upload["archive_path"] or path, upload["file_name"], work):
                summary = refuse(db, upload, refusal)
            else:
                normalise(work, channel)
                validate(work)
                summary = load(work, db, upload)
        finally:
            staging.discard(Path(work))  # before screening: the work frames are not needed again
        if not refusal:
            summary["screening"] = screen(db, summary["upload_id"])
    publish(db)
    return summary


def _one_run_per_content(sha256: str) -> FileLock:
    """A lock on one file content, across threads and processes (filelock: also on Windows)."""
    folder = config.work_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / f"{sha256}.lock")


if __name__ == "__main__":
    import sys

    for argument in sys.argv[1:]:
        print(ingest_portfolio(argument))

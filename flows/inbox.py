"""The inbox: every portfolio dropped in data/inbox/ is ingested, then filed away.

A file whose size or time changes while we look (still being copied) waits for the next
run. A loaded (or already loaded) file moves to `inbox/processed/`; a refused one to
`inbox/refused/`, beside a `.txt` that says why. Each file is its own `ingest_portfolio`
run, so one bad file never stops the others: a file the flow fails on (a bug) is put aside
as refused too, so it is not tried again first on every round. Only a busy warehouse leaves
the files where they are, for the next round.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from prefect import flow

from flows.ingest import ingest_portfolio
from flows.rescreen import rescreen_warehouse
from screening import config
from screening.errors import ConfigurationError, WarehouseBusy
from screening.rescreen import unscreened

log = logging.getLogger(__name__)


def waiting(inbox: Path) -> list[Path]:
    """The portfolio files waiting in the inbox, oldest first."""
    if not inbox.is_dir():
        return []
    files = [p for p in inbox.iterdir() if config.is_portfolio_file(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def settled(files: list[Path], seconds: float) -> list[Path]:
    """The `files` whose size and modification time stay the same for `seconds`: a file
    still being copied into the inbox is left for the next run."""
    if not files or seconds <= 0:
        return files

    def look(path: Path) -> tuple[int, int] | None:
        try:
            stat = path.stat()
        except FileNotFoundError:  # taken away meanwhile
            return None
        return stat.st_size, stat.st_mtime_ns

    before = {path: look(path) for path in files}
    time.sleep(seconds)
    return [path for path in files if before[path] is not None and look(path) == before[path]]


def _file_away(path: Path, folder: Path, note: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name again: keep both
        target = folder / f"{path.stem}-{path.stat().st_mtime_ns}{path.suffix}"
    shutil.move(path, target)
    if note:
        target.with_name(target.name + ".txt").write_text(note + "\n", encoding="utf-8")
    return target


@flow(name="ingest_inbox")
def ingest_inbox(
    inbox: str | None = None, db: str | None = None, settle_seconds: float = 2.0
) -> list[dict]:
    """Ingest every portfolio waiting (and not still being copied) in the inbox; return their
    `uploads` rows."""
    folder = Path(inbox) if inbox else config.inbox_dir()
    summaries = []
    for path in settled(waiting(folder), settle_seconds):
        try:
            summary = ingest_portfolio(str(path), db=db)
        except (WarehouseBusy, ConfigurationError):
            raise  # nothing is wrong with the files: the next round takes them
        except Exception as error:  # noqa: BLE001 - one file's failure must not stop the inbox
            log.exception("ingesting %s failed", path.name)
            summary = {
                "file_name": path.name,
                "status": "refused",
                "message": f"{path.name} could not be processed ({type(error).__name__}: "
                f"{error}); nothing of it was loaded. It was put aside: report it with the "
                "file.",
            }
        refused = summary["status"] == "refused"
        _file_away(
            path,
            folder / ("refused" if refused else "processed"),
            summary["message"] if refused else None,
        )
        summaries.append(summary)
    return summaries


@flow(name="refresh_warehouse")
def refresh_warehouse(inbox: str | None = None, db: str | None = None) -> dict:
    """What a schedule runs: the inbox, then a rescreen if the rubric or its lists changed
    (some current project has no result under the current rubric)."""
    db_path = Path(db) if db else config.default_db_path()
    uploads = ingest_inbox(inbox, str(db_path))
    rescreened = rescreen_warehouse(str(db_path)) if unscreened(db_path) else None
    return {"uploads": uploads, "rescreened": rescreened}


if __name__ == "__main__":
    print(refresh_warehouse())

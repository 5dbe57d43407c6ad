"""How flow tasks hand frames to each other: by name, in one work folder per upload.

Tasks pass the folder's path, never frames or connections. Where the next task runs in the
same process (Prefect's default: the flow's tasks run in its process), a frame is handed
over in memory, as Parquet would give it back (a fresh index; a shallow copy, so that a task
assigning a column does not change what the next one reads): writing and reading Parquet
between tasks cost 7.6 s of a 100,000-row ingest. With SCREENING_WORK_FILES=1 every frame is
also written to `<folder>/<name>.parquet`, for task runners that run tasks in other
processes (each reads the file when the frame is not in its memory), or to inspect a run.
`discard` forgets a folder's frames and removes the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from screening.rules import findings_frame

_FRAMES: dict[tuple[str, str], pd.DataFrame] = {}
_LOCK = threading.Lock()


def _key(folder: Path, name: str) -> tuple[str, str]:
    return (str(Path(folder).resolve()), name)


def _to_files() -> bool:
    return os.environ.get("SCREENING_WORK_FILES", "") not in ("", "0")


def write_frame(
    folder: Path, name: str, frame: pd.DataFrame, *, to_file: bool = False
) -> Path:
    """Hand `frame` on by name; `to_file` writes the Parquet file whatever the setting, for a
    reader known to run in another process (a Dask worker)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    with _LOCK:
        _FRAMES[_key(folder, name)] = frame.reset_index(drop=True)
    if to_file or _to_files():
        frame.to_parquet(path, index=False)
    return path


def has_frame(folder: Path, name: str) -> bool:
    with _LOCK:
        if _key(folder, name) in _FRAMES:
            return True
    return (folder / f"{name}.parquet").exists()


def read_frame(folder: Path, name: str) -> pd.DataFrame:
    with _LOCK:
        frame = _FRAMES.get(_key(folder, name))
    if frame is not None:
        return frame.copy(deep=False)
    return pd.read_parquet(folder / f"{name}.parquet")


def read_findings(folder: Path, *names: str) -> pd.DataFrame:
    """The findings the named stages wrote, in stage order."""
    frames = [read_frame(folder, n) for n in names if has_frame(folder, n)]
    return pd.concat([findings_frame(), *frames], ignore_index=True)


def discard(folder: Path) -> None:
    """Forget the frames of `folder` and remove it."""
    prefix = str(Path(folder).resolve())
    with _LOCK:
        for key in [k for k in _FRAMES if k[0] == prefix]:
            del _FRAMES[key]
    shutil.rmtree(folder, ignore_errors=True)


def write_json(folder: Path, name: str, value: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def read_json(folder: Path, name: str) -> Any:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

"""How flow tasks hand frames to each other: Parquet files in one work folder per upload.

Tasks pass the folder's path, never frames or connections, so each task can run in another
process (or on another machine) and a failed run can be inspected afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from screening.rules import findings_frame


def write_frame(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    return path


def read_frame(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def read_findings(folder: Path, *names: str) -> pd.DataFrame:
    """The findings the named stages wrote, in stage order."""
    frames = [read_frame(folder, n) for n in names if (folder / f"{n}.parquet").exists()]
    return pd.concat([findings_frame(), *frames], ignore_index=True)


def write_json(folder: Path, name: str, value: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(value, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def read_json(folder: Path, name: str) -> Any:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))

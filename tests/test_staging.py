"""Frames handed between flow tasks: in memory in one process, as Parquet for others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from screening import staging


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": pd.array(["P-1", "P-2", None], dtype="string"),
            "row_number": pd.array([4, 5, 7], dtype="Int64"),
            "start_date": pd.to_datetime(["2024-01-01", None, "2025-06-30"]).astype(
                "datetime64[s]"
            ),
        },
        index=[4, 5, 7],  # a filtered frame: Parquet would not keep this index
    )


def test_a_frame_comes_back_as_a_task_in_another_process_would_read_it(tmp_path: Path) -> None:
    staging.write_frame(tmp_path, "projects", _frame())
    got = staging.read_frame(tmp_path, "projects")
    assert got.index.equals(pd.RangeIndex(3))
    pd.testing.assert_frame_equal(got, _frame().reset_index(drop=True))

    got["project_id"] = "changed"  # a task's own change stays its own
    assert staging.read_frame(tmp_path, "projects")["project_id"].iloc[0] == "P-1"


def test_without_work_files_nothing_is_written_and_discard_forgets(tmp_path: Path) -> None:
    work = tmp_path / "work"
    staging.write_frame(work, "rows", _frame())
    assert not list(work.glob("*.parquet"))
    staging.discard(work)
    assert not work.exists()
    assert not staging.has_frame(work, "rows")


def test_work_files_serve_tasks_in_other_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENING_WORK_FILES", "1")
    staging.write_frame(tmp_path, "projects", _frame())
    code = (
        "import sys; from pathlib import Path; from screening import staging; "
        "print(staging.read_frame(Path(sys.argv[1]), 'projects')['project_id'].tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['P-1', 'P-2', <NA>]"

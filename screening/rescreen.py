"""Screen the projects stored in the warehouse and keep the results beside them.

The ingest flow screens the rows of each upload as it lands; `screening rescreen` screens
every current project again, after the rubric or its reference lists changed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from screening import config, warehouse
from screening.rubric import Rubric, load_rubric
from screening.screen import RESULT_COLUMNS, load_rates, screen

RESULT_KEYS = ["upload_id", "sheet", "row_number"]


def screen_warehouse(db_path: Path, upload_id: int | None = None) -> dict:
    """Screen the current projects of one upload (or all of them) with the current rubric.

    When other current projects have no result under this rubric (it changed since they were
    screened), all of them are screened: the views show the current rubric's results only, so
    screening one upload with a new rubric would otherwise hide every other project.
    """
    rubric = load_rubric(config.rubric_path())
    if upload_id is not None and unscreened(db_path, rubric.version, besides=upload_id):
        upload_id = None
    results, evidence = screen_projects(warehouse.current_projects(db_path, upload_id), rubric)
    return store_results(db_path, results, evidence, rubric, upload_id)


def screen_projects(
    projects: pd.DataFrame, rubric: Rubric, workers: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`(results, evidence)` of `projects` (rows of `projects_current`), as stored: a project's
    result depends on its own row only, so a large warehouse can be screened in parts.
    `workers`: processes `screen` may use (None: its own choice)."""
    results, evidence = screen(projects, rubric, workers=workers)
    return results[[*RESULT_KEYS, *RESULT_COLUMNS]], evidence


def store_results(
    db_path: Path,
    results: pd.DataFrame,
    evidence: pd.DataFrame,
    rubric: Rubric,
    upload_id: int | None = None,
) -> dict:
    """Keep `results` and `evidence` of `rubric` (those of one upload, or of every current
    project) in the warehouse, in one transaction; return counts by flag."""
    return warehouse.store_screening(
        db_path,
        results,
        evidence,
        {
            "rubric_version": rubric.version,
            "name": rubric.name,
            "criteria": len(rubric.criteria),
            "rubric_yaml": Path(rubric.path).read_text(encoding="utf-8"),
            "benchmarks": list(rubric.benchmarks),
        },
        load_rates(),
        upload_id,
    )


UNSCREENED_SQL = """
SELECT count(*) FROM projects_current p
WHERE p.upload_id IS DISTINCT FROM $besides AND NOT EXISTS (
    SELECT 1 FROM screening_results r
    WHERE r.upload_id = p.upload_id AND r.sheet = p.sheet AND r.row_number = p.row_number
      AND r.rubric_version = $version)
"""


def unscreened(db_path: Path, version: str | None = None, besides: int | None = None) -> int:
    """How many current projects (other than upload `besides`) have no result under the
    rubric `version` (default: the current one); 0 without a warehouse. After a change to
    the rubric or its reference lists, all of them."""
    if not Path(db_path).exists():
        return 0
    params = {"version": version or load_rubric(config.rubric_path()).version, "besides": besides}
    return int(warehouse.query(db_path, UNSCREENED_SQL, params).iloc[0, 0])

"""Screen the projects stored in the warehouse and keep the results beside them.

The ingest flow screens the rows of each upload as it lands; `screening rescreen` screens
every current project again, after the rubric or its reference lists changed.
"""

from __future__ import annotations

from pathlib import Path

from screening import warehouse
from screening.rubric import load_rubric
from screening.screen import RESULT_COLUMNS, load_rates, screen


def screen_warehouse(db_path: Path, upload_id: int | None = None) -> dict:
    """Screen the current projects of one upload (or all of them) with the current rubric.

    When other current projects have no result under this rubric (it changed since they were
    screened), all of them are screened: the views show the current rubric's results only, so
    screening one upload with a new rubric would otherwise hide every other project.
    """
    rubric = load_rubric()
    if upload_id is not None and unscreened(db_path, rubric.version, besides=upload_id):
        upload_id = None
    projects = warehouse.current_projects(db_path, upload_id)
    results, evidence = screen(projects, rubric)
    keys = ["upload_id", "sheet", "row_number"]
    return warehouse.store_screening(
        db_path,
        results[[*keys, *RESULT_COLUMNS]],
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
    params = {"version": version or load_rubric().version, "besides": besides}
    return int(warehouse.query(db_path, UNSCREENED_SQL, params).iloc[0, 0])

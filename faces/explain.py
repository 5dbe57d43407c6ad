"""`screening explain`: one project's result with its evidence, read from the warehouse."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from screening import rules, warehouse
from screening.errors import ProjectNotFound
from screening.readers.grid import CSV_ROW_KIND
from screening.readers.iati import ROW_KIND as IATI_ROW_KIND
from screening.rubric import Rubric, load_rubric
from screening.screen import explain

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
RESULT_SQL = """
SELECT * FROM screening_current
WHERE project_id = $project_id AND ($channel IS NULL OR channel = $channel)
"""
EVIDENCE_SQL = """
SELECT e.* FROM screening_evidence e
JOIN screening_current s USING (upload_id, sheet, row_number, rubric_version)
WHERE s.project_id = $project_id AND ($channel IS NULL OR s.channel = $channel)
ORDER BY e.direction DESC, e.criterion, e.field
"""
WHERE_SQL = """
SELECT u.file_name, p.source FROM projects p JOIN uploads u USING (upload_id)
WHERE p.upload_id = $upload_id AND p.sheet = $sheet AND p.row_number = $row_number
"""


def explain_project(db_path: Path, project_id: str, channel: str | None = None) -> str:
    """The evaluator's reading of one current project, with the rubric it was screened by."""
    wanted = {"project_id": project_id, "channel": channel}
    found = warehouse.query(db_path, RESULT_SQL, wanted)
    if found.empty:
        raise ProjectNotFound(
            f"No screened project has ID {project_id!r}"
            + (f" in the {channel} channel" if channel else "")
            + '; list them with: screening query "SELECT project_id, channel FROM '
            'screening_current"'
        )
    if len(found) > 1:
        channels = ", ".join(sorted(found["channel"].dropna()))
        raise ProjectNotFound(
            f"Project ID {project_id!r} is used in several channels ({channels}); "
            "say which with --channel."
        )
    result = found.iloc[0]
    evidence = warehouse.query(db_path, EVIDENCE_SQL, wanted)
    return (
        explain(result, evidence, _rubric_for(db_path, result["rubric_version"]))
        + "\n"
        + _where(db_path, result)
    )


def _where(db_path: Path, result: pd.Series) -> str:
    """Where the project row came from, as its source numbers rows."""
    upload, sheet, row = int(result["upload_id"]), str(result["sheet"]), int(result["row_number"])
    found = warehouse.query(
        db_path, WHERE_SQL, {"upload_id": upload, "sheet": sheet, "row_number": row}
    )
    file_name, source = found.iloc[0] if len(found) else ("?", None)
    kind = _row_kind(source, str(file_name))
    label = rules.row_label(kind, row, result["project_id"] if kind == IATI_ROW_KIND else None)
    place = label if kind != rules.ROW else f"sheet {sheet}, {label}"
    return f"From upload {upload} ({file_name}), {place}."


def _row_kind(source: str | None, file_name: str) -> str:
    """The kind of row label the project's findings used (screening.rules.row_label): an IATI
    activity, a line of a CRS text extract, else a worksheet row."""
    if source == "iati":
        return IATI_ROW_KIND
    if source == "crs" and Path(file_name).suffix.lower() not in WORKBOOK_SUFFIXES:
        return CSV_ROW_KIND
    return rules.ROW


def _rubric_for(db_path: Path, version: str) -> Rubric:
    """The rubric the result was reached with: the current one, or its stored text."""
    current = load_rubric()
    if current.version == version:
        return current
    stored = warehouse.query(
        db_path, "SELECT rubric_yaml FROM rubrics WHERE rubric_version = $v", {"v": version}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubric.yaml"
        path.write_text(stored.iloc[0, 0], encoding="utf-8")
        return load_rubric(path)

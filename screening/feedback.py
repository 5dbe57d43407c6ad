"""What a desk officer gets back about one upload: every finding with the cell it is about, and
how each loaded project was screened. `faces.feedback` writes it into a copy of their own file.

Read from the warehouse (best the published snapshot) on one read-only connection, so the
findings and the screening agree. A finding names a canonical field (`budget`); the upload's
`upload_columns` say which column of which sheet that field was read from, so the finding can
be put on the very cell the desk officer typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from screening import warehouse
from screening.errors import ScreeningError
from screening.issues import Issue, group_findings

SEVERITY_ORDER = ("refuse", "error", "warning", "skip", "info")

UPLOAD_SQL = "SELECT * FROM uploads WHERE upload_id = $upload_id"
# Each finding with the column it was read from (NULL for a field the sheet lacked, or a
# finding about a whole row, sheet or file).
FINDINGS_SQL = """
SELECT f.sheet, f.row_number, f.column_name, c.column_letter, c.header, f.value, f.rule,
       f.severity, f.message
FROM findings f
LEFT JOIN upload_columns c
  ON c.upload_id = f.upload_id AND c.sheet = f.sheet AND c.field = f.column_name
WHERE f.upload_id = $upload_id
ORDER BY f.sheet NULLS FIRST, f.row_number NULLS FIRST,
         list_position($severities, f.severity), f.column_name
"""
# Project rows (loaded or rejected) per sheet: a rule that hits them all is said once.
PROJECT_ROWS_SQL = """
SELECT sheet, count(*) AS n FROM (
    SELECT sheet, row_number FROM projects WHERE upload_id = $upload_id
    UNION SELECT sheet, row_number FROM rejected_rows WHERE upload_id = $upload_id
) GROUP BY sheet
"""
COLUMNS_SQL = """
SELECT sheet, header_row, column_letter, header, field FROM upload_columns
WHERE upload_id = $upload_id
"""
# The loaded projects of the upload as the latest rubric screened them, with the evidence in
# words: "for participation: "women mediators" (description)". A project a newer upload has
# superseded has no result any more (screening_results holds current projects only).
SCREENING_SQL = """
WITH latest AS (SELECT rubric_version FROM rubrics ORDER BY last_screened_at DESC LIMIT 1),
evidence AS (
    SELECT upload_id, sheet, row_number,
           string_agg(
               e.direction || coalesce(' ' || e.pillar, '') || ': "' || e.matched_text
               || '" (' || e.field || ')', '; ' ORDER BY e.direction DESC, e.weight DESC
           ) AS evidence
    FROM screening_evidence e
    WHERE e.upload_id = $upload_id AND e.rubric_version = (SELECT rubric_version FROM latest)
    GROUP BY ALL
)
SELECT s.sheet, s.row_number, s.project_id, p.title, s.channel, s.participation, s.protection,
       s.prevention, s.relief_recovery, s.wps_relevant, s.marker_claimed, s.marker_assessed,
       s.marker_flag, s.confidence, s.summary, e.evidence
FROM screening_results s
JOIN projects p USING (upload_id, sheet, row_number)
LEFT JOIN evidence e USING (upload_id, sheet, row_number)
WHERE s.upload_id = $upload_id AND s.rubric_version = (SELECT rubric_version FROM latest)
ORDER BY s.sheet, s.row_number
"""


class FeedbackError(ScreeningError):
    """There is nothing to give feedback on: no such upload. The message says what to do."""


@dataclass(frozen=True)
class UploadFeedback:
    """One upload's record, findings (with `column_letter` and `header` where a cell is
    concerned), its columns as read, and its loaded projects' screening."""

    upload: dict
    findings: pd.DataFrame
    columns: pd.DataFrame
    screening: pd.DataFrame
    project_rows: dict[str, int]

    @property
    def issues(self) -> list[Issue]:
        """The findings grouped for people, most important first (`screening.issues`)."""
        return group_findings(self.findings, self.columns, self.project_rows)

    @property
    def archive_path(self) -> Path | None:
        path = self.upload.get("archive_path")
        return Path(path) if path else None


def upload_feedback(db_path: Path, upload_id: int) -> UploadFeedback:
    """The feedback on upload `upload_id`; `FeedbackError` when there is no such upload."""
    params = {"upload_id": upload_id}
    with warehouse.reader(db_path) as run:
        upload = run(UPLOAD_SQL, params)
        if upload.empty:
            raise FeedbackError(
                f"There is no upload {upload_id}; `screening status` lists the uploads."
            )
        findings = run(FINDINGS_SQL, {**params, "severities": list(SEVERITY_ORDER)})
        columns = run(COLUMNS_SQL, params)
        screening = run(SCREENING_SQL, params)
        counts = run(PROJECT_ROWS_SQL, params)
    record = {k: _plain(v) for k, v in upload.iloc[0].items()}
    project_rows = {str(k): int(v) for k, v in counts.itertuples(index=False, name=None)}
    return UploadFeedback(record, findings, columns, screening, project_rows)


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value

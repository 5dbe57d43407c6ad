"""The feedback workbook, end to end: a real messy workbook through the real flow, then the
desk officer's own file back with the problem cells coloured and commented (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from faces.feedback import FILLS, write_feedback
from screening.feedback import FeedbackError
from tests.printing import page_count, xlsx_to_pdf
from tests.workbooks import write_xlsx

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]

LONG = (
    "The programme supports women's participation in local peace committees and mediation in "
    "Darfur, trains women mediators, and funds survivors of sexual and gender-based violence "
    "with medical, legal and psychosocial services in three states."
)
HEADER = [
    "J.nr.", "Titel", "Beskrivelse", "Land", "DAC-kode", "Beløb DKK", "Ligestillingsmarkør", "Note",
]  # fmt: skip


def messy_workbook(path: Path) -> Path:
    rows = [
        ["Danida portfolio – Sudan – FY2025"],
        [],
        HEADER,  # row 3
        ["S-1", "Women mediators", LONG, "Sudan", 15220, "1.234.567,50", "2", "ok"],  # loads
        ["S-2", "Roads", "A road.", "Sudan", 21020, "afventer", "0", None],  # budget: rejected
        ["S-3", "=HYPERLINK(\"http://x\")", LONG, "Atlantis", 15170, 100, "1", None],  # country
        ["I alt", None, None, None, None, 1234667.5],  # total line: skipped
    ]
    return write_xlsx(path, {"Bilateral": rows}, text_cells={"Bilateral": ["B6"]})


def test_feedback_colours_and_comments_the_problem_cells(ingest, tmp_path: Path) -> None:
    summary = ingest(messy_workbook(tmp_path / "Sudan portfolio.xlsx"))
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (1, 2)

    out = write_feedback(ingest.db, summary["upload_id"], tmp_path / "feedback.xlsx")

    wb = load_workbook(out)
    assert wb.sheetnames == ["Issues", "Screening", "Bilateral"]
    sheet = wb["Bilateral"]
    # The desk officer's own cells, as typed, with the problem on the cell.
    assert sheet["F5"].value == "afventer"
    assert sheet["F5"].fill.start_color.rgb.endswith(FILLS["error"].start_color.rgb[-6:])
    assert 'budget "afventer" is not a number' in sheet["F5"].comment.text
    assert "country" in sheet["D6"].comment.text and sheet["D6"].fill.fill_type == "solid"
    assert sheet["B6"].value == '=HYPERLINK("http://x")' and sheet["B6"].data_type == "s"
    # A short description loads with a warning: yellow.
    assert sheet["C5"].fill.start_color.rgb.endswith("FFEB9C") or sheet["C5"].comment is None
    assert "total line" in sheet["A7"].comment.text
    assert sheet["A4"].comment is None and sheet["A4"].fill.fill_type is None

    issues = wb["Issues"]
    assert "1 loaded" in issues["A1"].value
    header = [c.value for c in issues[4]]
    assert header == ["Sheet", "Row", "Column", "Header", "Value", "Severity", "Rule", "Message"]
    listed = [[c.value for c in row] for row in issues.iter_rows(min_row=5)]
    budget = next(row for row in listed if row[6] == "number.invalid")
    assert budget[:6] == ["Bilateral", 5, "F", "Beløb DKK", "afventer", "error: row not loaded"]
    link = next(r for r in issues.iter_rows(min_row=5) if r[6].value == "number.invalid")[1]
    assert link.hyperlink.location == "'Bilateral'!F5"

    screening = wb["Screening"]
    assert [c.value for c in screening[4]][:4] == ["Bilateral", 4, "S-1", "Women mediators"]
    assert "participation" in screening.cell(row=4, column=16).value
    # LibreOffice opens and prints it (a damaged file would not convert).
    assert page_count(xlsx_to_pdf(out, tmp_path / "pdf")) >= 3


def test_feedback_on_an_unknown_upload_says_what_to_do(ingest, tmp_path: Path) -> None:
    ingest(messy_workbook(tmp_path / "p.xlsx"))
    with pytest.raises(FeedbackError, match="screening status"):
        write_feedback(ingest.db, 99, tmp_path / "f.xlsx")

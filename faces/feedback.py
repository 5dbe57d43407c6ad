"""The feedback workbook: the desk officer's own file back, with every problem on its cell.

Each rejected or warned cell is coloured (red: the row was not loaded; yellow: loaded with a
warning; grey: a line skipped as not a project) and carries a comment that says why. An
`Issues` sheet lists every finding (sheet, row, column, value, rule, message), each row
linked to its cell, and a `Screening` sheet says how each loaded project was screened. The
desk officer corrects the coloured cells and uploads the file again.

Why the original file and not a new one: the desk officer knows their own layout; a finding
shown on the cell they typed needs no translating. Their workbook is opened with openpyxl and
saved as a new file (the archive keeps the original untouched); openpyxl keeps values,
formulas, styles, merged cells and data validation, but not charts or images, which the
feedback does not need. A CSV, CRS or IATI upload has no sheet to colour: its feedback holds
the Issues and Screening sheets only.

Text we write (values as typed, messages) is forced to be a string cell, so a value such as
`=HYPERLINK(...)` is shown, never run (see `faces.report`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from screening.feedback import UploadFeedback, upload_feedback

AUTHOR = "WPS screening"
# Fill of a cell by the worst finding on it.
FILLS = {
    "error": PatternFill("solid", start_color="FFC7CE"),  # light red: the row was not loaded
    "warning": PatternFill("solid", start_color="FFEB9C"),  # light yellow: loaded, look again
    "skip": PatternFill("solid", start_color="D9D9D9"),  # grey: not a project
}
SEVERITY_WORDS = {
    "refuse": "refused: nothing loaded",
    "error": "error: row not loaded",
    "warning": "warning: row loaded",
    "skip": "skipped: not a project",
    "info": "note",
}
ISSUE_COLUMNS = (  # header, finding column, width
    ("Sheet", "sheet", 18), ("Row", "row_number", 7), ("Column", "column_letter", 8),
    ("Header", "header", 20), ("Value", "value", 24), ("Severity", "severity", 22),
    ("Rule", "rule", 22), ("Message", "message", 80),
)  # fmt: skip
SCREENING_COLUMNS = (
    ("Sheet", "sheet", 18), ("Row", "row_number", 7), ("Project ID", "project_id", 14),
    ("Title", "title", 30), ("Channel", "channel", 13), ("Participation", "participation", 9),
    ("Protection", "protection", 9), ("Prevention", "prevention", 9),
    ("Relief and recovery", "relief_recovery", 9), ("WPS relevant", "wps_relevant", 9),
    ("Marker claimed", "marker_claimed", 9), ("Marker assessed", "marker_assessed", 9),
    ("Flag", "marker_flag", 13), ("Confidence", "confidence", 11),
    ("In one line", "summary", 50), ("Evidence", "evidence", 80),
)  # fmt: skip
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
COMMENT_SIZE = (360, 120)  # width, height in points: room for two or three messages


def write_feedback(db_path: Path, upload_id: int, out: Path) -> Path:
    """Write the feedback workbook of upload `upload_id` to `out` (.xlsx); return `out`.

    Raises `screening.feedback.FeedbackError` when there is no such upload.
    """
    feedback = upload_feedback(db_path, upload_id)
    wb = _original(feedback.archive_path)
    placed = _mark_cells(wb, feedback.findings)
    issues = _sheet(wb, "Issues", index=0)
    _write_issues(issues, feedback, placed)
    _write_screening(_sheet(wb, "Screening", index=1), feedback.screening)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is issues
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def feedback_file_name(file_name: str) -> str:
    """`Uganda 2025.xlsx` -> `Uganda 2025 - feedback.xlsx`."""
    stem = Path(file_name).name.rsplit(".", 1)[0] or "upload"
    return f"{stem} - feedback.xlsx"


# --- the desk officer's own sheets ------------------------------------------------------------


def _original(path: Path | None) -> Workbook:
    """The uploaded workbook, or an empty one when it was not an Excel workbook (or is gone)."""
    if path is not None and path.exists() and zipfile.is_zipfile(path):
        try:
            return load_workbook(path, rich_text=True)
        except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile):
            pass  # read by calamine but not by openpyxl: feedback sheets only
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _mark_cells(wb: Workbook, findings: pd.DataFrame) -> set[int]:
    """Colour each cell a finding is about and comment why; return the findings placed (by
    position in `findings`). A finding about a whole row (a skipped line, a field the sheet
    lacks) goes on the row's first cell."""
    placed: set[int] = set()
    on_row = findings[findings["sheet"].notna() & findings["row_number"].notna()]
    cells: dict[tuple[str, str], list[tuple[int, pd.Series]]] = {}
    for position, finding in on_row.iterrows():
        ws = _worksheet(wb, finding["sheet"])
        if ws is None:
            continue
        letter = finding["column_letter"]
        if pd.isna(letter):
            letter = get_column_letter(ws.min_column)
        cells.setdefault((ws.title, f"{letter}{int(finding['row_number'])}"), []).append(
            (position, finding)
        )
    for (title, ref), found in cells.items():
        cell = wb[title][ref]
        severities = [f["severity"] for _, f in found]
        worst = min(severities, key=list(SEVERITY_WORDS).index)
        if worst in FILLS:
            cell.fill = FILLS[worst]
        text = "\n".join(f"{f['message']} ({f['rule']})" for _, f in found)
        if cell.comment is not None:
            text = f"{cell.comment.text}\n{text}"
        cell.comment = Comment(_safe(text), AUTHOR, *COMMENT_SIZE[::-1])
        placed.update(position for position, _ in found)
    return placed


def _worksheet(wb: Workbook, sheet: str) -> Worksheet | None:
    """The sheet a finding names; Excel caps sheet titles at 31 characters (a CSV's name)."""
    for ws in wb.worksheets:
        if ws.title in (sheet, str(sheet)[:31]):
            return ws
    return None


# --- the sheets we add --------------------------------------------------------------------------


def _sheet(wb: Workbook, title: str, index: int) -> Worksheet:
    """A new sheet, named `title` unless the desk officer's workbook already has one."""
    name = title if title not in wb.sheetnames else f"{title} (feedback)"
    return wb.create_sheet(name, index)


def _write_issues(ws: Worksheet, feedback: UploadFeedback, placed: set[int]) -> None:
    upload = feedback.upload
    ws.append([_safe(_headline(upload))])
    ws["A1"].font = Font(bold=True, size=12)
    # A problem of a whole sheet first, said once (its rows are listed below all the same).
    for issue in feedback.issues:
        if issue.whole_sheet:
            ws.append([_safe(issue.message)])
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="9C0006")
    ws.append([_safe(_advice(upload, bool(placed)))])
    first = ws.max_row + 2  # a blank line, then the table
    _table(ws, ISSUE_COLUMNS, _issue_rows(feedback.findings), first_row=first)
    for offset, (position, finding) in enumerate(feedback.findings.iterrows()):
        target = _worksheet(ws.parent, finding["sheet"]) if position in placed else None
        if target is not None:
            letter = finding["column_letter"]
            if pd.isna(letter):
                letter = get_column_letter(target.min_column)
            cell = ws.cell(row=first + 1 + offset, column=2)
            location = f"{quote_sheetname(target.title)}!{letter}{int(finding['row_number'])}"
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location)
            cell.font = Font(color="0563C1", underline="single")
    if feedback.findings.empty:
        ws.cell(row=first + 1, column=1, value="No findings: every row was read and loaded.")


def _headline(upload: dict) -> str:
    if upload["status"] == "refused":
        name = f'Upload {upload["upload_id"]}, "{upload["file_name"]}"'
        return f"{name}: refused. {upload['message']}"
    counts = (
        f"{upload['rows_read']} rows read: {upload['rows_loaded']} loaded, "
        f"{upload['rows_rejected']} not loaded (rejected), {upload['rows_skipped']} skipped"
    )
    return f'Upload {upload["upload_id"]}, "{upload["file_name"]}": {counts}.'


def _advice(upload: dict, coloured: bool) -> str:
    if upload["status"] == "refused":
        return "Nothing of this file was loaded; correct it as said above and upload it again."
    where = (
        "Red cells stopped their row from loading, yellow ones loaded with a warning, grey "
        "rows are not projects; hover over a cell (or follow a row number below) for the "
        "reason. "
        if coloured
        else ""
    )
    again = "Correct the file, then upload it again under the same name: it replaces this version."
    return f"{where}{again}"


def _issue_rows(findings: pd.DataFrame) -> Iterable[list[object]]:
    for _, finding in findings.iterrows():
        values = []
        for _, column, _ in ISSUE_COLUMNS:
            value = finding[column]
            if column == "severity":
                value = SEVERITY_WORDS.get(value, value)
            values.append(value)
        yield values


def _write_screening(ws: Worksheet, screening: pd.DataFrame) -> None:
    ws.append(
        ["How each loaded project was screened: UNSCR 1325 pillars (0 absent, 1 passing "
         "mention, 2 explicit aim), the DAC gender marker claimed and assessed, and the "
         "evidence found (for, or against)."]
    )  # fmt: skip
    ws.append([])
    rows = (
        [row[column] for _, column, _ in SCREENING_COLUMNS] for _, row in screening.iterrows()
    )
    _table(ws, SCREENING_COLUMNS, rows, first_row=3)
    if screening.empty:
        ws.cell(row=4, column=1, value="No project of this upload is screened (none loaded, "
                "or a newer upload of the portfolio replaced them).")  # fmt: skip


def _table(
    ws: Worksheet,
    columns: Sequence[tuple[str, str, float]],
    rows: Iterable[Sequence[object]],
    first_row: int,
) -> None:
    """A header row at `first_row`, then the rows; filters, frozen header, widths, printing."""
    for j, (title, _, width) in enumerate(columns, start=1):
        cell = ws.cell(row=first_row, column=j, value=title)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
        ws.column_dimensions[get_column_letter(j)].width = width
    n = 0
    for n, values in enumerate(rows, start=1):
        for j, value in enumerate(values, start=1):
            cell = ws.cell(row=first_row + n, column=j)
            _put(cell, value)
            cell.alignment = WRAP
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{first_row}:{last}{first_row + max(n, 1)}"
    ws.freeze_panes = f"A{first_row + 1}"
    ws.print_title_rows = f"{first_row}:{first_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _put(cell: Cell, value: object) -> None:
    """A value as it is, NULLs as an empty cell, text always as text (never a formula)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        cell.value = _safe(value)
        if value.startswith("=") or value in ERROR_CODES:
            cell.data_type = "s"
    else:
        cell.value = value


def _safe(text: str) -> str:
    """Text XML can hold, within Excel's limit for a cell."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32_767]

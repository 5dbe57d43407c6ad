"""What every reader shares: what a file really is, and a sheet or CSV file as a grid of text.

Desk officers rename files freely (a PDF saved as `.xlsx`, an old `.xls` renamed `.xlsx`, a CSV
called `.xlsx`), so the file name proves nothing: `sniff` tells the kind from the bytes, and its
refusals are cheap (size, first bytes, the zip or OLE directory; a workbook is never expanded,
so a zip bomb or a huge file is refused before it costs anything).

Then a workbook's sheets (python-calamine) or a CSV file (UTF-8 or Windows-1252, `,` `;` `|`
or tab, whichever gives the best header) become `Grid`s: cells as the text Excel shows, with
the row numbers Excel (or a text editor) shows. The workbook, CRS and IATI readers build the
read stage's `ReadResult` on top; blank and total lines are marked here, once, for all.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import olefile
import pandas as pd
from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from screening import config, rules
from screening.rules import refusal

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text files that are not CSV but would otherwise decode as text.
TEXT_DOCUMENT_MAGIC = (b"%PDF", b"{\\rtf")
TEXT_SAMPLE_BYTES = 1024 * 1024
# Control characters that never occur in a CSV export (tab, LF, FF, CR do).
_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}
HEADER_SEARCH_ROWS = 20
# `,` and `;` are what Excel writes; `|` and tab what the OECD's bulk CRS files use.
CSV_DELIMITERS = (",", ";", "|", "\t")
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
# Excel shows 15 significant digits; more are binary noise (0.30000000000000004).
EXCEL_DIGITS = 15
# Columns of the read-stage frame that are not canonical fields, in their order.
LEAD_COLUMNS = ["sheet", "row_number", "sheet_channel", "skip_rule"]
TAIL_COLUMNS = ["is_aggregate", "extra", "raw"]

Cell = object  # what calamine returns: str, float, int, bool, date, datetime, time, timedelta
Range = tuple[tuple[int, int], tuple[int, int]]


# --- what the file is -------------------------------------------------------------------------


def sniff(path: Path, file_name: str | None = None, max_bytes: int | None = None) -> str:
    """`"xlsx"` (also for .xlsm), `"xls"` (a legacy Excel 97-2003 workbook, which calamine
    reads too) or `"csv"`, decided by the content; otherwise `UploadRefused`.

    `file_name` is the name the user uploaded (the archived `path` may be a hash); it only
    appears in messages. `max_bytes` defaults to `config.MAX_UPLOAD_BYTES`, read at call time.
    """
    name = file_name or path.name
    limit = config.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > limit:
        raise refusal("upload.too_large", name, _over(size, limit))
    if size == 0:
        raise refusal("upload.not_a_workbook", name)
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path, name)
    if head == OLE_MAGIC:
        return _sniff_ole(path, name)
    return _sniff_text(path, name)


def human_size(n_bytes: int) -> str:
    """A size as people read it: `"62.3 MB"` (binary units, as Windows Explorer shows them)."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    size = n_bytes / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _over(size: int, limit: int) -> str:
    return f"{human_size(size)} (the limit is {human_size(limit)})"


def _sniff_zip(path: Path, name: str) -> str:
    """An xlsx/xlsm is a zip with `xl/workbook.xml`; its declared size is checked first."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise refusal("upload.unreadable", name, f"the zip container is damaged: {exc}") from exc
    expanded = sum(info.file_size for info in members)
    if expanded > config.MAX_UNZIPPED_BYTES:
        raise refusal("upload.unzipped_too_large", name, _over(expanded, config.MAX_UNZIPPED_BYTES))
    if not any(info.filename == "xl/workbook.xml" for info in members):
        raise refusal("upload.not_a_workbook", name)
    return "xlsx"


# An OLE (Compound File) container holds a legacy .xls (a `Workbook` stream; `Book` before
# Excel 97), an encrypted .xlsx (`EncryptionInfo`), or a Word or other Office document.
XLS_STREAMS = ("Workbook", "Book")


def _sniff_ole(path: Path, name: str) -> str:
    """`"xls"` for a legacy workbook; refuse an encrypted xlsx, another Office document, or a
    damaged container (olefile raises anything from OSError to ValueError on a broken one)."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptionInfo")
            workbook = any(ole.exists(stream) for stream in XLS_STREAMS)
    except Exception as exc:  # noqa: BLE001 - any parse failure means a damaged file
        raise refusal("upload.unreadable", name, "its Office container is damaged") from exc
    if encrypted:
        raise refusal("upload.password_protected", name)
    if not workbook:
        raise refusal("upload.not_a_workbook", name)
    return "xls"


def _sniff_text(path: Path, name: str) -> str:
    """CSV if the first megabyte is text in UTF-8 or Windows-1252; binary otherwise."""
    with path.open("rb") as f:
        sample = f.read(TEXT_SAMPLE_BYTES)
    if sample.startswith(TEXT_DOCUMENT_MAGIC) or _TEXT_CONTROLS.intersection(sample):
        raise refusal("upload.not_a_workbook", name)
    if not (_decodes(sample, "utf-8") or _decodes(sample, "cp1252")):
        raise refusal("upload.not_a_workbook", name)
    return "csv"


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether `sample` is valid text; a character cut at the sample's end does not count."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


# --- the read stage's result ------------------------------------------------------------------


@dataclass
class ReadResult:
    """What a reader found: the lines, the findings about them, and one dict per sheet.

    `sheets` follows the workbook's order: `name`, `status` ("read" or "skipped"), `reason`
    (why skipped), `header_row` (Excel row of the header's first line) and `rows` (lines read,
    blank and total lines included). In the field columns an empty cell is NA; `raw` and
    `extra` keep it as "".
    """

    rows: pd.DataFrame
    findings: pd.DataFrame
    sheets: list[dict] = field(default_factory=list)
    # Each kept column of each sheet read: `sheet`, `header_row`, `column_letter`, `header` (as
    # written) and `field` (the canonical field it was recognised as; NA: kept in `extra`).
    columns: pd.DataFrame = field(default_factory=lambda: columns_frame([]))
    # What the file was ("workbook", "crs" or "iati"), a CRS extract's yearly lines (one
    # row per original line, with the project row it went into) and how many of them were
    # merged into another line's project; `details` is the source reader's (version, ...).
    source: str = "workbook"
    lines: pd.DataFrame | None = None
    rows_merged: int = 0
    details: dict = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        """Every line under the header, merged, blank and total lines included."""
        return len(self.rows) + self.rows_merged

    @property
    def rows_skipped(self) -> int:
        """Lines that are not projects (blank, total)."""
        return int(self.rows["skip_rule"].notna().sum())



COLUMN_COLUMNS = ["sheet", "header_row", "column_letter", "header", "field"]


def columns_frame(records: list[dict]) -> pd.DataFrame:
    """`ReadResult.columns` from one dict per column (COLUMN_COLUMNS)."""
    frame = pd.DataFrame(records, columns=COLUMN_COLUMNS)
    return frame.astype({c: "string" for c in COLUMN_COLUMNS} | {"header_row": "Int64"})


def build_rows_frame(records: list[dict]) -> pd.DataFrame:
    """The read-stage frame from row dicts (the CRS and IATI readers): lead columns, canonical
    fields, then the tail.

    Canonical field columns appear when some record has that key (a reader lists every
    field it produces, so the columns do not depend on the data), in the order
    of fields.yaml, as dtype `string` (what normalise expects from every reader).
    """
    canonical = [name for name in rules.fields() if any(name in rec for rec in records)]
    columns = LEAD_COLUMNS + canonical + TAIL_COLUMNS
    frame = pd.DataFrame.from_records(records, columns=columns)
    types = {
        c: "string" for c in ["sheet", "sheet_channel", "skip_rule", *canonical, "extra", "raw"]
    }
    types["row_number"] = "Int64"
    types["is_aggregate"] = "boolean"
    if frame.empty:
        return frame.astype(types)
    frame["is_aggregate"] = frame["is_aggregate"].fillna(False)
    return frame.astype(types)


def finding(
    rule_id: str,
    sheet: str,
    row_number: int | None = None,
    column: str = "",
    value: object = "",
    **placeholders: object,
) -> dict:
    """One finding row (a dict with FINDING_COLUMNS)."""
    r = rules.rule(rule_id)
    text = "" if value is None else str(value)
    return {
        "sheet": sheet,
        "row_number": row_number,
        "column_name": column,
        "value": text,
        "rule": rule_id,
        "severity": r.severity,
        "message": r.format(
            sheet=sheet, row_number=row_number or "", column=column, value=text, **placeholders
        ),
    }


def sheet_skipped(sheet: str, reason: str) -> dict:
    """The `info` finding for a sheet that holds no portfolio, saying why."""
    return {**finding("sheet.skipped", sheet, detail=reason), "column_name": None, "value": None}


def sheet_info(
    name: str, status: str, reason: str | None, header_row: int | None = None, rows: int = 0
) -> dict:
    """One entry of `ReadResult.sheets`."""
    return dict(name=name, status=status, reason=reason, header_row=header_row, rows=rows)


def amount_text(total: float) -> str:
    """A summed amount as text: whole numbers without decimals, others to the cent."""
    if float(total).is_integer():
        return str(int(total))
    return f"{total:.2f}"


def to_json(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


# --- grids of text --------------------------------------------------------------------------


@dataclass
class Grid:
    """One sheet as text: `cells[i][j]` is at row `row_numbers[i]`, column `first_col + j`."""

    name: str
    cells: list[list[str]]
    row_numbers: list[int]
    first_col: int = 0
    merged: list[Range] = field(default_factory=list)  # relative to cells, inclusive
    # Formula cells saved without a value (relative to cells): they read as empty.
    uncached: list[tuple[int, int]] = field(default_factory=list)
    # How messages name its rows (row_labels in screening/rules/findings.yaml): "row" for a
    # worksheet (Excel's row numbers), "line" for a CSV or text file (a text editor's).
    row_kind: str = rules.ROW
    delimiter: str | None = None  # of a CSV file

    def label(self, row_number: int) -> str:
        return rules.row_label(self.row_kind, row_number)


@dataclass(frozen=True)
class SkippedSheet:
    """A sheet passed over before reading it (a chart, hidden, named as instructions, empty)."""

    name: str
    reason: str


HeaderScore = Callable[[list[str]], int]
"""How well one row of text reads as a header; 0 when it is not one (picks the CSV delimiter)."""

CSV_ROW_KIND = "line"  # a CSV file's rows are named by the line an editor shows: "Line 12"


def grids(
    path: Path, name: str, kind: str, header_score: HeaderScore, head_rows: int | None = None
) -> Iterator[Grid | SkippedSheet]:
    """The sheets of a workbook (`kind` "xlsx" or "xls", as `sniff` says) or the one grid of a
    CSV file; `head_rows` reads only the first rows of each (to look for a header)."""
    if kind in ("xlsx", "xls"):
        yield from xlsx_grids(path, name, head_rows, xml=kind == "xlsx")
    else:
        yield csv_grid(path, name, header_score, head_rows)


def xlsx_grids(
    path: Path, name: str, head_rows: int | None = None, xml: bool = True
) -> Iterator[Grid | SkippedSheet]:
    """Each sheet as a grid, or a `SkippedSheet` for one passed over before reading. `xml`:
    the file is an xlsx, whose sheet XML tells error cells and formulas without a value."""
    try:
        workbook = CalamineWorkbook.from_path(path)
    except CalamineError as exc:
        raise refusal("upload.unreadable", name, str(exc)) from exc
    with workbook:
        for meta in workbook.sheets_metadata:
            reason = _sheet_skip_reason(meta.name, meta.typ, meta.visible)
            if reason:
                yield SkippedSheet(meta.name, reason)
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                values = sheet.to_python(nrows=head_rows) if head_rows else sheet.to_python()
            except CalamineError as exc:
                raise refusal("upload.unreadable", name, f"sheet {meta.name}: {exc}") from exc
            if not values:
                yield SkippedSheet(meta.name, "it is empty")
                continue
            if head_rows:
                yield _calamine_grid(None, meta.name, sheet.start, values, None)
            else:
                yield _calamine_grid(
                    path if xml else None, meta.name, sheet.start, values,
                    sheet.merged_cell_ranges,
                )  # fmt: skip


def _sheet_skip_reason(name: str, typ: SheetTypeEnum, visible: SheetVisibleEnum) -> str | None:
    if typ != SheetTypeEnum.WorkSheet:
        return "it is a chart or macro sheet, not a worksheet"
    if rules.header_key(name) in _skip_sheet_keys():
        return "its name marks it as instructions or lists, not projects"
    if visible != SheetVisibleEnum.Visible:
        return "it is hidden"
    return None


@cache
def _skip_sheet_keys() -> frozenset[str]:
    return frozenset(rules.header_key(s) for s in rules.field_table()["skip_sheets"])


def _calamine_grid(
    path: Path | None,
    name: str,
    start: tuple[int, int] | None,
    values: list[list[Any]],
    merged: list | None,
) -> Grid:
    """Calamine's values as text, placed where Excel shows them (calamine drops leading blanks).

    With `path`, error cells (`#N/A`) and formulas saved without a value are looked up in the
    sheet's XML, which calamine reads as empty.
    """
    row0, col0 = start or (0, 0)
    uncached: list[tuple[int, int]] = []
    if path is not None:
        for (r, c), text in _error_cells(path, name).items():
            if 0 <= r - row0 < len(values) and 0 <= c - col0 < len(values[0]):
                values[r - row0][c - col0] = text
        uncached = [(r - row0, c - col0) for r, c in _uncached_formulas(path, name)]
    cells = [[cell_text(v) for v in row] for row in values]
    relative = [((a - row0, b - col0), (c - row0, d - col0)) for (a, b), (c, d) in merged or []]
    rows = list(range(row0 + 1, row0 + 1 + len(cells)))
    return Grid(name, cells, rows, col0, relative, uncached)


def csv_grid(
    path: Path, name: str, header_score: HeaderScore, head_rows: int | None = None
) -> Grid:
    """A CSV file (or the OECD's pipe-delimited .txt) as one grid named after the file.

    Row numbers are the lines an editor shows (a quoted field may span several lines); the
    delimiter is the one under which the first lines hold the best header (`header_score`).
    """
    data = path.read_bytes()
    text = decode(data[: 256 * 1024] if head_rows else data, name, final=not head_rows)
    delimiter = csv_delimiter(text, header_score)
    cells, row_numbers = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            cells.append([v.strip() for v in record])
            row_numbers.append(line)
            line = reader.line_num + 1
            if head_rows and len(cells) >= head_rows:
                break
    except csv.Error as exc:
        raise refusal("upload.unreadable", name, f"line {line}: {exc}") from exc
    width = max((len(r) for r in cells), default=0)
    cells = [r + [""] * (width - len(r)) for r in cells]
    stem = PurePosixPath(name).stem
    return Grid(stem, cells, row_numbers, row_kind=CSV_ROW_KIND, delimiter=delimiter)


def decode(data: bytes, name: str, final: bool = True) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252, the two encodings Excel exports CSV in.

    `final=False` for a sample cut anywhere: a character cut at its end is dropped.
    """
    for encoding in CSV_ENCODINGS:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=final)
        except UnicodeDecodeError:
            continue
    raise refusal("upload.unreadable", name, "the text is neither UTF-8 nor Windows-1252")


def csv_delimiter(text: str, header_score: HeaderScore) -> str:
    """The delimiter under which one of the first lines scores best as a header; `,` on a tie."""
    head = text[: 64 * 1024]

    def score(delimiter: str) -> int:
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        best = 0
        try:
            for _, record in zip(range(HEADER_SEARCH_ROWS + 1), reader, strict=False):
                best = max(best, header_score([v.strip() for v in record]))
        except csv.Error:
            return -1
        return best

    return max(CSV_DELIMITERS, key=score)


# --- blank and total lines --------------------------------------------------------------------


def blank_lines(columns: list[list[str]], n_rows: int) -> np.ndarray:
    """True for each line whose cells are all empty or blank markers (N/A, -, n.a.)."""
    markers = rules.blank_markers()
    blank = np.ones(n_rows, dtype=bool)
    for col in columns:
        blank &= np.fromiter((not v or v.casefold() in markers for v in col), bool, n_rows)
    return blank


def total_markers(
    columns: list[list[str]], anchors: list[list[str]], n_rows: int
) -> np.ndarray:
    """The marker text of each closing total line (`Total`, `I alt`), else "".

    A line is a total when its first filled cell, or one of its `anchors` columns (project ID,
    title), is a marker. Matched like headers (case, spaces and punctuation ignored),
    vectorised because every line of a 50,000-line sheet is checked; the markers are ASCII, so
    no accent folding is needed.
    """
    first: Any = np.full(n_rows, "", dtype=object)
    for col in columns:
        first = np.where(first == "", np.array(col, dtype=object), first)
    found = pd.Series("", index=range(n_rows), dtype="string")
    for col in [first, *anchors]:
        text = pd.Series(col, dtype="string")
        key = text.str.lower().str.replace(r"[^0-9a-z]+", "", regex=True)
        found = found.mask((found == "") & key.isin(rules.total_keys()), text)
    return found.to_numpy(dtype=object)


def lone_cells(columns: list[list[str]], n_rows: int) -> np.ndarray:
    """The text of each line with exactly one filled cell (a heading, a source line), else "".

    Desk officers group projects under region headings ("Østafrika", merged across the
    table: only its first cell holds the text) and close sheets with "Kilde: ..." lines; a
    project always fills more than one column.
    """
    markers = rules.blank_markers()
    filled = np.zeros(n_rows, dtype=int)
    lone = np.full(n_rows, "", dtype=object)
    for col in columns:
        has = np.fromiter((bool(v) and v.casefold() not in markers for v in col), bool, n_rows)
        filled += has
        lone = np.where(has & (lone == ""), np.array(col, dtype=object), lone)
    return np.where(filled == 1, lone, "")


def note_lines(lone: np.ndarray) -> np.ndarray:
    """True where a lone cell starts like a source or footnote (fields.yaml: note_markers)."""
    starts = rules.note_markers()
    return np.fromiter(
        (bool(v) and v.strip().casefold().startswith(starts) for v in lone), bool, len(lone)
    )


def skip_rules(
    blank: np.ndarray,
    totals: np.ndarray,
    headings: np.ndarray | None = None,
    notes: np.ndarray | None = None,
) -> np.ndarray:
    """`row.blank`, `row.total`, `row.note`, `row.heading` or None for each line."""
    none = np.zeros(len(blank), dtype=bool)
    conditions = [blank, totals != "", none if notes is None else notes,
                  none if headings is None else headings]  # fmt: skip
    rules_ = np.array(["row.blank", "row.total", "row.note", "row.heading"], dtype=object)
    out = np.full(len(blank), None, dtype=object)
    for condition, rule_id in zip(reversed(conditions), reversed(rules_), strict=True):
        out[condition] = rule_id  # the first condition that holds wins
    return out


# --- cells to text ----------------------------------------------------------------------------


def cell_text(value: Cell) -> str:
    """A cell as the text Excel shows; strings keep their inner spacing, only their ends trimmed.

    Every reader of typed cells (workbooks, CRS extracts) writes them through this, so a value
    reads the same whichever reader met it.
    """
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    convert = _CONVERTERS.get(type(value))
    return convert(value) if convert else str(value).strip()




# "2.125" written from a number cell would read as 2,125 (a dot before exactly three digits is
# a thousands separator in typed text); a fourth decimal digit keeps it the number it was.
_AMBIGUOUS_DECIMAL = re.compile(r"-?[1-9]\d{0,2}\.\d{3}")


def _float_text(value: float) -> str:
    """Up to 15 significant digits, never an exponent: `1234567`, `0.3`, `0.00001`, and
    `2.1250` for 2.125, which `2.125` would not say unambiguously."""
    if value != value:  # NaN
        return ""
    text = f"{value:.{EXCEL_DIGITS}g}"
    if "e" in text:
        text = np.format_float_positional(float(text), trim="-")
    return text + "0" if _AMBIGUOUS_DECIMAL.fullmatch(text) else text


def _datetime_text(value: dt.datetime) -> str:
    rounded = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    if rounded.time() == dt.time():
        return rounded.date().isoformat()
    return rounded.isoformat(sep=" ")


_CONVERTERS: dict[type, Callable[[Any], str]] = {
    float: _float_text,
    int: str,
    bool: lambda v: "TRUE" if v else "FALSE",
    dt.date: dt.date.isoformat,
    dt.datetime: _datetime_text,
    dt.time: lambda v: v.replace(microsecond=0).isoformat(),
}


# Cells with t="e" (errors) and their cached text, e.g. <c r="C8" t="e"><v>#N/A</v></c>.
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _error_cells(path: Path, sheet_name: str) -> dict[tuple[int, int], str]:
    """Excel error cells (`#N/A`, `#REF!`) of one sheet by 0-based (row, col); calamine drops them.

    Streams the sheet XML looking for the error type first, so error-free sheets (nearly all)
    cost one pass of decompression and no parsing.
    """
    with zipfile.ZipFile(path) as zf:
        try:
            part = _sheet_parts(zf).get(sheet_name)
        except (KeyError, ValueError, SyntaxError):  # no or odd workbook parts: calamine coped
            return {}
        if part is None or not _contains(zf, part, b't="e"'):
            return {}
        xml = zf.read(part)
    found = {}
    for match in _ERROR_CELL.finditer(xml):
        ref, value = _CELL_REF.search(match[1]), _CELL_VALUE.search(match[2])
        if ref and value:
            position = (int(ref[2]) - 1, _column_index(ref[1].decode()))
            found[position] = value[1].decode("utf-8", "replace")
    return found


# A cell holding a formula and no cached value: <c r="F9"><f>SUM(F2:F8)</f></c>, or with an
# empty <v/> as openpyxl writes it.
_UNCACHED_FORMULA = re.compile(
    rb"<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def _uncached_formulas(path: Path, sheet_name: str) -> list[tuple[int, int]]:
    """0-based (row, col) of formula cells saved without a value (by a program that does not
    calculate, such as a script or some exports); calamine reads them as empty."""
    with zipfile.ZipFile(path) as zf:
        try:
            part = _sheet_parts(zf).get(sheet_name)
        except (KeyError, ValueError, SyntaxError):
            return []
        if part is None or not _contains(zf, part, b"<f"):
            return []
        xml = zf.read(part)
    found = []
    for match in _UNCACHED_FORMULA.finditer(xml):
        if ref := _CELL_REF.search(match[1]):
            found.append((int(ref[2]) - 1, _column_index(ref[1].decode())))
    return found


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its XML, from workbook.xml and its relationships."""
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = {}
    for sheet in ElementTree.fromstring(zf.read("xl/workbook.xml")).iter():
        if sheet.tag.endswith("}sheet") and sheet.get(rel_ns) in targets:
            target = targets[sheet.get(rel_ns)]
            parts[sheet.get("name")] = target[1:] if target.startswith("/") else f"xl/{target}"
    return parts


def _contains(zf: zipfile.ZipFile, member: str, needle: bytes) -> bool:
    tail = b""
    with zf.open(member) as f:
        while chunk := f.read(1 << 22):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def excel_column(index: int) -> str:
    """Excel's letters for a 0-based column index (0 -> A, 27 -> AB): names headerless columns."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


"""Read a portfolio workbook or CSV into one text frame: every line under a header, as written.

This stage decides nothing about values. It finds each sheet's header (desk officers put
title blocks above it, split it over two rows, merge its cells), keeps every line under it
with the row number Excel shows, and marks blank and total lines so later stages skip them
with a reason. Cells become text the way a desk officer reads them in Excel (`1234567`,
not `1234567.0`; `2024-03-01`, not a serial number), so normalise parses one format.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
from defusedxml import ElementTree
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from screening import config, rules
from screening.errors import UploadRefused
from screening.sniff import human_size, sniff

SOURCES = ("workbook", "crs", "iati")
GZIP_MAGIC = b"\x1f\x8b"
HEADER_SEARCH_ROWS = 20
MIN_HEADER_FIELDS = 3
HEADER_ANCHORS = frozenset({"project_id", "title"})
CSV_DELIMITERS = (",", ";")
# Excel shows 15 significant digits; more are binary noise (0.30000000000000004).
EXCEL_DIGITS = 15
# A unit or note in brackets after a header: "Budget (USD)", "Amount [EUR]".
_UNIT = re.compile(r"\([^)]*\)|\[[^\]]*\]")

Cell = object  # what calamine returns: str, float, int, bool, date, datetime, time, timedelta
Range = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class ReadResult:
    """What `read_portfolio` found: the lines, the findings about them, and one dict per sheet.

    `sheets` follows the workbook's order: `name`, `status` ("read" or "skipped"), `reason`
    (why skipped), `header_row` (Excel row of the header's first line) and `rows` (lines read,
    blank and total lines included). In the field columns an empty cell is NA; `raw` and
    `extra` keep it as "".
    """

    rows: pd.DataFrame
    findings: pd.DataFrame
    sheets: list[dict] = field(default_factory=list)
    # Set by `read_upload`: what the file was (SOURCES), a CRS extract's yearly lines (one
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


def read_upload(path: Path, file_name: str | None = None) -> ReadResult:
    """The read stage's entry point: an IATI activity file, a CRS extract, or a workbook/CSV.

    `rows` always has `source` (SOURCES) and `is_aggregate` (boolean; CRS lines reporting
    small activities in bulk) right before `extra`. The order of the checks matters:
    - the upload limit (SCREENING_MAX_UPLOAD_BYTES) is checked first, for every kind;
    - XML (plain or gzipped) goes to the IATI reader before `sniff`, which would call it
      "not a workbook"; that reader refuses non-IATI or unsafe XML with the reason and caps
      gzip expansion (SCREENING_MAX_UNZIPPED_BYTES);
    - anything else passes `sniff` (zip bombs, encrypted or disguised files) before a CRS
      sniff opens it, then goes to the CRS reader when its header is a CRS one, else to
      `read_portfolio`.
    """
    from screening.sources import iati, read_source

    name = file_name or path.name
    _check_size(path, name)
    kind = None
    if not iati.looks_like_iati(path):
        if _is_xml(path):
            iati.read_iati(path, file_name=name)  # refuses it, naming the root element
        kind = sniff(path, name)
    published = read_source(path, file_name=name, kind=kind)
    if published is None:
        result = read_portfolio(path, file_name=name, kind=kind)
        result.rows = _with_source(result.rows, "workbook")
        return result
    return ReadResult(
        rows=_with_source(published.rows, published.source),
        findings=published.findings,
        sheets=published.sheets,
        source=published.source,
        lines=published.lines,
        rows_merged=published.rows_merged,
        details=dict(published.details),
    )


def _check_size(path: Path, name: str) -> None:
    """`sniff`'s size checks, for files (XML) that do not go through `sniff`."""
    size = path.stat().st_size
    limit = config.MAX_UPLOAD_BYTES
    if size > limit:
        detail = f"{human_size(size)} (the limit is {human_size(limit)})"
        raise _refuse("upload.too_large", name, detail)
    if size == 0:
        raise _refuse("upload.not_a_workbook", name)


def _is_xml(path: Path) -> bool:
    """True when the (possibly gzipped) file starts with an XML declaration."""
    with path.open("rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    try:
        with (gzip.open if gzipped else open)(path, "rb") as f:
            head = f.read(1024)
    except (OSError, EOFError, zlib.error):
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<?xml")


def _with_source(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """`rows` with `source` and `is_aggregate` (False when the reader gave none) before `extra`."""
    rows = rows.copy()
    aggregate = (
        rows["is_aggregate"].astype("boolean").fillna(False)
        if "is_aggregate" in rows
        else pd.Series(False, index=rows.index, dtype="boolean")
    )
    rows = rows.drop(columns=["source", "is_aggregate"], errors="ignore")
    at = rows.columns.get_loc("extra") if "extra" in rows else len(rows.columns)
    rows.insert(at, "source", pd.Series(source, index=rows.index, dtype="string"))
    rows.insert(at + 1, "is_aggregate", aggregate)
    return rows


@dataclass
class _Grid:
    """One sheet as text: `cells[i][j]` is at Excel row `row_numbers[i]`, column `first_col + j`."""

    name: str
    cells: list[list[str]]
    row_numbers: list[int]
    first_col: int = 0
    merged: list[Range] = field(default_factory=list)  # relative to cells, inclusive
    # Formula cells saved without a value (relative to cells): they read as empty.
    uncached: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Header:
    index: int  # position of the header's first line in the grid
    lines: int  # 1, or 2 for a header split over two rows
    names: list[str]  # display name of every kept column
    fields: list[str | None]  # canonical field of every kept column
    columns: list[int]  # grid column of every kept column


class _Skip(Exception):
    """A sheet that holds no portfolio; the message says why."""


def read_portfolio(
    path: Path, file_name: str | None = None, kind: str | None = None
) -> ReadResult:
    """Read every sheet of an xlsx/xlsm workbook, or a CSV file, into canonical text columns.

    Refuses (`UploadRefused`) a file that is not a workbook or CSV, has no header on any sheet,
    or has no project line under its headers; everything else is read and reported. `kind` is
    what `sniff` said of the file, when the caller has already asked it.
    """
    name = file_name or path.name
    kind = kind or sniff(path, name)
    grids = _xlsx_grids(path, name) if kind == "xlsx" else iter([_csv_grid(path, name)])
    frames, findings, sheets = [], [], []
    for grid in grids:
        if isinstance(grid, tuple):
            sheet_name, reason = grid
        else:
            sheet_name, reason = grid.name, None
            try:
                frame, row_findings, info = _read_grid(grid)
            except _Skip as skip:
                reason = str(skip)
            else:
                frames.append(frame)
                findings.append(row_findings)
                findings.append(_uncached_finding(grid, frame))
                sheets.append(info)
        if reason is not None:
            findings.append(_sheet_skipped(sheet_name, reason))
            sheets.append(_sheet_info(sheet_name, "skipped", reason))
    return _result(name, frames, findings, sheets)


def _uncached_finding(grid: _Grid, frame: pd.DataFrame) -> pd.DataFrame:
    """One finding for the formula cells without a saved value in the sheet's project lines."""
    projects = set(frame.loc[frame["skip_rule"].isna(), "row_number"])
    cells = [
        f"{excel_column(grid.first_col + j)}{grid.row_numbers[i]}"
        for i, j in grid.uncached
        if 0 <= i < len(grid.row_numbers) and grid.row_numbers[i] in projects
    ]
    if not cells:
        return rules.findings_frame()
    shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
    rule = rules.rule("sheet.uncached_formulas")
    return rules.findings_frame([{
        "sheet": grid.name, "row_number": None, "column_name": None, "value": str(len(cells)),
        "rule": rule.id, "severity": rule.severity,
        "message": rule.format(sheet=grid.name, value=len(cells), detail=shown),
    }])  # fmt: skip


def _result(name: str, frames: list, findings: list, sheets: list[dict]) -> ReadResult:
    """Assemble the sheets into one result, refusing when no sheet gave a project line."""
    if not frames:
        looked_at = "; ".join(f'"{s["name"]}" ({s["reason"]})' for s in sheets)
        raise _refuse("upload.no_header", name, f"sheets looked at: {looked_at or 'none'}")
    rows = pd.concat(frames, ignore_index=True)
    if rows["skip_rule"].notna().all():
        raise _refuse("upload.no_rows", name)
    columns = [c for c in _column_order() if c in rows.columns]
    rows = rows[columns].astype({c: "string" for c in columns if c != "row_number"})
    found = pd.concat(findings, ignore_index=True) if findings else rules.findings_frame()
    return ReadResult(rows=rows, findings=found, sheets=sheets)


def _column_order() -> list[str]:
    return ["sheet", "row_number", "sheet_channel", "skip_rule", *rules.fields(), "extra", "raw"]


def _refuse(rule_id: str, file_name: str, detail: str = "") -> UploadRefused:
    message = rules.rule(rule_id).format(file_name=file_name, detail=detail)
    return UploadRefused(message, rule=rule_id)


# --- sources: xlsx and csv into grids of text ------------------------------------------------


def _xlsx_grids(path: Path, name: str) -> Iterator[_Grid | tuple[str, str]]:
    """Each sheet as a grid, or `(sheet name, reason)` for a sheet skipped before reading."""
    try:
        workbook = CalamineWorkbook.from_path(path)
    except CalamineError as exc:
        raise _refuse("upload.unreadable", name, str(exc)) from exc
    with workbook:
        for meta in workbook.sheets_metadata:
            reason = _sheet_skip_reason(meta.name, meta.typ, meta.visible)
            if reason:
                yield meta.name, reason
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
                values = sheet.to_python()
            except CalamineError as exc:
                raise _refuse("upload.unreadable", name, f"sheet {meta.name}: {exc}") from exc
            if not values:
                yield meta.name, "it is empty"
                continue
            yield _calamine_grid(path, meta.name, sheet.start, values, sheet.merged_cell_ranges)


def _sheet_skip_reason(name: str, typ: SheetTypeEnum, visible: SheetVisibleEnum) -> str | None:
    if typ != SheetTypeEnum.WorkSheet:
        return "it is a chart or macro sheet, not a worksheet"
    if rules.header_key(name) in _skip_sheet_keys():
        return "its name marks it as instructions or lists, not projects"
    if visible != SheetVisibleEnum.Visible:
        return "it is hidden"
    return None


def _calamine_grid(
    path: Path, name: str, start: tuple[int, int], values: list[list[Cell]], merged: list | None
) -> _Grid:
    """Calamine's values as text, placed where Excel shows them (calamine drops leading blanks)."""
    row0, col0 = start
    for (r, c), text in _error_cells(path, name).items():
        if 0 <= r - row0 < len(values) and 0 <= c - col0 < len(values[0]):
            values[r - row0][c - col0] = text  # calamine reads error cells as empty
    cells = [[_text(v) for v in row] for row in values]
    relative = [((a - row0, b - col0), (c - row0, d - col0)) for (a, b), (c, d) in merged or []]
    uncached = [(r - row0, c - col0) for r, c in _uncached_formulas(path, name)]
    rows = list(range(row0 + 1, row0 + 1 + len(cells)))
    return _Grid(name, cells, rows, col0, relative, uncached)


def _csv_grid(path: Path, name: str) -> _Grid:
    """A CSV file as one grid named after the file; row numbers are the lines an editor shows."""
    text = _decode(path.read_bytes(), name)
    delimiter = _csv_delimiter(text)
    cells, row_numbers = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            cells.append([v.strip() for v in record])
            row_numbers.append(line)
            line = reader.line_num + 1  # a quoted field may span several lines
    except csv.Error as exc:
        raise _refuse("upload.unreadable", name, f"line {line}: {exc}") from exc
    width = max((len(r) for r in cells), default=0)
    cells = [r + [""] * (width - len(r)) for r in cells]
    return _Grid(PurePosixPath(name).stem, cells, row_numbers)


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252, the two encodings Excel exports CSV in."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse("upload.unreadable", name, "the text is neither UTF-8 nor Windows-1252")


def _csv_delimiter(text: str) -> str:
    """The delimiter under which the first lines hold the best header (`,` or `;`)."""
    sample = io.StringIO(text[: 64 * 1024], newline="")

    def score(delimiter: str) -> int:
        sample.seek(0)
        head = []
        try:
            for record in csv.reader(sample, delimiter=delimiter):
                head.append(record)
                if len(head) > HEADER_SEARCH_ROWS:
                    break
        except csv.Error:
            return -1
        return max((_score([_field_of(t) for t in row]) for row in head), default=0)

    return max(CSV_DELIMITERS, key=score)


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


_text = cell_text

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


_CONVERTERS = {
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


# --- header ------------------------------------------------------------------------------------


@cache
def _skip_sheet_keys() -> frozenset[str]:
    return frozenset(rules.header_key(s) for s in rules.field_table()["skip_sheets"])


@cache
def _sheet_channel_keys() -> dict[str, str]:
    table = rules.field_table()["sheet_channels"]
    return {rules.header_key(name): channel for channel, names in table.items() for name in names}


def _field_of(text: str) -> str | None:
    """The canonical field a header names; a unit in brackets may follow (`Bevilling (DKK)`)."""
    if not text:
        return None
    index = rules.alias_index()
    return index.get(rules.header_key(text)) or index.get(rules.header_key(_UNIT.sub(" ", text)))


def _score(fields: list[str | None]) -> int:
    """Distinct canonical fields a candidate header names; 0 unless it is surely a header."""
    found = set(fields) - {None}
    return len(found) if len(found) >= MIN_HEADER_FIELDS and found & HEADER_ANCHORS else 0


def _find_header(grid: _Grid) -> _Header | None:
    """The best header among the first rows: one row, or two rows read together.

    The most fields wins. On a tie a pair wins only when a column's two lines name a field
    together (`Budget` over `(DKK)`), so neither a title line above a header nor the first
    data line below it joins the header.
    """
    window = _fill_merged(grid, HEADER_SEARCH_ROWS + 1)
    best, best_key = None, (0, 0, 0, 0)
    for i in range(min(HEADER_SEARCH_ROWS, len(window))):
        for lines in (1, 2)[: len(window) - i]:
            names, fields, joint = _candidate(window, i, lines)
            key = (_score(fields), joint, -lines, -i)
            if key[0] and key > best_key:
                best, best_key = (i, lines, names, fields), key
    return _header(grid, *best) if best else None


def _fill_merged(grid: _Grid, n_rows: int) -> list[list[str]]:
    """The first rows with each merged range filled with its top-left value, as Excel shows it."""
    window = [list(row) for row in grid.cells[:n_rows]]
    for (r1, c1), (r2, c2) in grid.merged:
        if not (0 <= r1 < len(window) and 0 <= c1 < len(window[r1])):
            continue
        value = window[r1][c1]
        for r in range(r1, min(r2 + 1, len(window))):
            for c in range(c1, min(c2 + 1, len(window[r]))):
                window[r][c] = value
    return window


def _candidate(window: list[list[str]], i: int, lines: int) -> tuple[list, list, int]:
    """Names, fields and joint matches of the header starting at row `i`, one or two rows high.

    Over two rows a column's name joins both lines (`Budget (DKK)`, `Markers GAM`) and its
    field is the one the joined text names (a joint match: `Project` over `ID`), else the lower
    line's (under a group heading such as `Markers`), else the upper line's. A pair whose lower
    line mostly names nothing is a header over data, not a header: it gets no fields.
    """
    if lines == 1:
        return window[i], [_field_of(t) for t in window[i]], 0
    names, fields, joint, lower_named, lower_filled = [], [], 0, 0, 0
    for upper, lower in zip(window[i], window[i + 1], strict=True):
        joined = f"{upper} {lower}" if upper and lower and upper != lower else upper or lower
        by_join = _field_of(joined) if upper and lower and upper != lower else None
        by_lower = by_join or _field_of(lower)
        names.append(joined)
        fields.append(by_lower or _field_of(upper))
        joint += by_join is not None
        lower_named += by_lower is not None
        lower_filled += bool(lower)
    if 2 * lower_named < lower_filled:
        return names, [], 0
    return names, fields, joint


def _header(
    grid: _Grid, index: int, lines: int, names: list[str], fields: list[str | None]
) -> _Header:
    """Keep the named columns and the unnamed ones holding data; a field's first column wins.

    Unnamed columns are called `column F`; a repeated name gets its column letter, so every
    kept column has a unique name in `raw` and `extra`.
    """
    data = grid.cells[index + lines :]
    kept = _Header(index, lines, [], [], [])
    taken: set[str] = set()
    seen: set[str] = set()
    for j, (name, field_name) in enumerate(zip(names, fields, strict=True)):
        if not name and not any(row[j] for row in data):
            continue
        letter = excel_column(grid.first_col + j)
        display = name or f"column {letter}"
        kept.names.append(f"{display} (column {letter})" if display in seen else display)
        seen.add(display)
        kept.fields.append(None if field_name in taken else field_name)
        if field_name:
            taken.add(field_name)
        kept.columns.append(j)
    return kept


# --- lines under the header ----------------------------------------------------------------------


def _read_grid(grid: _Grid) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One sheet's lines under its header as a frame, with the skip findings and the sheet info."""
    if not any(any(row) for row in grid.cells):
        raise _Skip("it is empty")
    header = _find_header(grid)
    if header is None:
        raise _Skip(f"no row among its first {HEADER_SEARCH_ROWS} names the project columns")
    first = header.index + header.lines
    columns = [[row[j] for row in grid.cells[first:]] for j in header.columns]
    blank = _blank_lines(columns, len(grid.cells) - first)
    filled = np.flatnonzero(~blank)
    end = int(filled[-1]) + 1 if filled.size else 0  # trailing blank lines are not read
    columns = [col[:end] for col in columns]
    blank = blank[:end]
    totals = np.where(blank, "", _total_markers(columns, header.fields, end))
    frame = _frame(grid, header, columns, grid.row_numbers[first : first + end])
    frame["skip_rule"] = pd.array(
        np.where(blank, "row.blank", np.where(totals != "", "row.total", None)), dtype="string"
    )
    findings = pd.concat(
        [
            _line_findings("row.blank", frame, blank, totals),
            _line_findings("row.total", frame, totals != "", totals),
        ],
        ignore_index=True,
    )
    info = _sheet_info(grid.name, "read", None, grid.row_numbers[header.index], len(frame))
    return frame, findings, info


def _blank_lines(columns: list[list[str]], n_rows: int) -> np.ndarray:
    """True for each line whose cells are all empty or blank markers (N/A, -, n.a.)."""
    markers = rules.blank_markers()
    blank = np.ones(n_rows, dtype=bool)
    for col in columns:
        blank &= np.fromiter((not v or v.casefold() in markers for v in col), bool, n_rows)
    return blank


def _total_markers(columns: list[list[str]], fields: list[str | None], n_rows: int) -> np.ndarray:
    """The marker text of each closing total line (`Total`, `I alt`), else "".

    A line is a total when its first filled cell, its project ID or its title is a marker.
    Matched like headers (case, spaces and punctuation ignored), vectorised because every line
    of a 50,000-line sheet is checked; the markers are ASCII, so no accent folding is needed.
    """
    first = np.full(n_rows, "", dtype=object)
    for col in columns:
        first = np.where(first == "", np.array(col, dtype=object), first)
    anchors = [col for col, f in zip(columns, fields, strict=True) if f in HEADER_ANCHORS]
    found = pd.Series("", index=range(n_rows), dtype="string")
    for col in [first, *anchors]:
        text = pd.Series(col, dtype="string")
        key = text.str.lower().str.replace(r"[^0-9a-z]+", "", regex=True)
        found = found.mask((found == "") & key.isin(rules.total_keys()), text)
    return found.to_numpy(dtype=object)


def _frame(
    grid: _Grid, header: _Header, columns: list[list[str]], row_numbers: list[int]
) -> pd.DataFrame:
    """The lines as a frame: a text column per canonical field, others in `extra`, all in `raw`."""
    n = len(row_numbers)
    data: dict[str, object] = {
        "sheet": [grid.name] * n,
        "row_number": pd.array(row_numbers, dtype="Int64"),
        "sheet_channel": [_sheet_channel_keys().get(rules.header_key(grid.name))] * n,
    }
    extra_names, extra_cols = [], []
    for name, field_name, col in zip(header.names, header.fields, columns, strict=True):
        if field_name is None:
            extra_names.append(name)
            extra_cols.append(col)
        else:
            data[field_name] = pd.array([v or None for v in col], dtype="string")
    data["extra"] = _json_lines(extra_names, extra_cols, n)
    data["raw"] = _json_lines(header.names, columns, n)
    return pd.DataFrame(data)


def _json_lines(names: list[str], columns: list[list[str]], n_rows: int) -> list[str]:
    if not names:
        return ["{}"] * n_rows
    encode = json.JSONEncoder(ensure_ascii=False).encode
    return [encode(dict(zip(names, line, strict=True))) for line in zip(*columns, strict=True)]


def _line_findings(
    rule_id: str, frame: pd.DataFrame, mask: np.ndarray, values: np.ndarray
) -> pd.DataFrame:
    """A skip finding per masked line; the value is the total marker (empty for blank lines)."""
    shown = pd.Series(values[mask], dtype="string")
    found = rules.make_findings(rule_id, frame[mask], "row", values=shown)
    return found.assign(column_name=pd.NA)  # a whole line, not one column


def _sheet_skipped(sheet: str, reason: str) -> pd.DataFrame:
    message = rules.rule("sheet.skipped").format(sheet=sheet, detail=reason)
    finding = dict(sheet=sheet, column_name=pd.NA, value=pd.NA, rule="sheet.skipped")
    return rules.findings_frame([{**finding, "severity": "info", "message": message}])


def _sheet_info(
    name: str, status: str, reason: str | None, header_row: int | None = None, rows: int = 0
) -> dict:
    return dict(name=name, status=status, reason=reason, header_row=header_row, rows=rows)

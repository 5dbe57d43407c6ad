"""Read a desk officer's portfolio workbook or CSV into one text frame: every line under a
header, as written.

This stage decides nothing about values. It finds each sheet's header (desk officers put
title blocks above it, split it over two rows, merge its cells), keeps every line under it
with the row number Excel shows, and marks blank and total lines so later stages skip them
with a reason. Cells become text the way a desk officer reads them in Excel (`1234567`,
not `1234567.0`; `2024-03-01`, not a serial number), so normalise parses one format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from screening import rules
from screening.readers.grid import (
    HEADER_SEARCH_ROWS,
    Grid,
    ReadResult,
    SkippedSheet,
    blank_lines,
    columns_frame,
    excel_column,
    grids,
    lone_cells,
    note_lines,
    sheet_info,
    sheet_skipped,
    skip_rules,
    sniff,
    total_markers,
)
from screening.rules import refusal

MIN_HEADER_FIELDS = 3
HEADER_ANCHORS = frozenset({"project_id", "title"})
# A unit or note in brackets after a header: "Budget (USD)", "Amount [EUR]".
_UNIT = re.compile(r"\([^)]*\)|\[[^\]]*\]")


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
    frames, findings, sheets, columns = [], [], [], []
    for grid in grids(path, name, kind, header_score):
        if isinstance(grid, SkippedSheet):
            sheet_name, reason = grid.name, grid.reason
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
                columns += info.pop("columns")
                sheets.append(info)
        if reason is not None:
            findings.append(rules.findings_frame([sheet_skipped(sheet_name, reason)]))
            sheets.append(sheet_info(sheet_name, "skipped", reason))
    result = _result(name, frames, findings, sheets)
    result.columns = columns_frame(columns)
    return result


def header_score(row: list[str]) -> int:
    """How many distinct canonical fields a row names, when it is surely a header; else 0."""
    return _score([_field_of(t) for t in row])


def _uncached_finding(grid: Grid, frame: pd.DataFrame) -> pd.DataFrame:
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
        raise refusal("upload.no_header", name, f"sheets looked at: {looked_at or 'none'}")
    rows = pd.concat(frames, ignore_index=True)
    if rows["skip_rule"].notna().all():
        raise refusal("upload.no_rows", name)
    columns = [c for c in _column_order() if c in rows.columns]
    rows = rows[columns].astype({c: "string" for c in columns if c != "row_number"})
    found = pd.concat(findings, ignore_index=True) if findings else rules.findings_frame()
    return ReadResult(rows=rows, findings=found, sheets=sheets)


def _column_order() -> list[str]:
    return ["sheet", "row_number", "sheet_channel", "skip_rule", *rules.fields(), "extra", "raw"]


# --- header ------------------------------------------------------------------------------------


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


def _find_header(grid: Grid) -> _Header | None:
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


def _fill_merged(grid: Grid, n_rows: int) -> list[list[str]]:
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
    grid: Grid, index: int, lines: int, names: list[str], fields: list[str | None]
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


def _read_grid(grid: Grid) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One sheet's lines under its header as a frame, with the skip findings and the sheet info."""
    if not any(any(row) for row in grid.cells):
        raise _Skip("it is empty")
    header = _find_header(grid)
    if header is None:
        raise _Skip(f"no row among its first {HEADER_SEARCH_ROWS} names the project columns")
    first = header.index + header.lines
    columns = [[row[j] for row in grid.cells[first:]] for j in header.columns]
    blank = blank_lines(columns, len(grid.cells) - first)
    filled = np.flatnonzero(~blank)
    end = int(filled[-1]) + 1 if filled.size else 0  # trailing blank lines are not read
    columns = [col[:end] for col in columns]
    blank = blank[:end]
    anchors = [c for c, f in zip(columns, header.fields, strict=True) if f in HEADER_ANCHORS]
    totals = np.where(blank, "", total_markers(columns, anchors, end))
    lone = np.where(blank | (totals != ""), "", lone_cells(columns, end))
    notes = note_lines(lone)
    headings = (lone != "") & ~notes
    frame = _frame(grid, header, columns, grid.row_numbers[first : first + end])
    frame["skip_rule"] = pd.array(skip_rules(blank, totals, headings, notes), dtype="string")
    findings = pd.concat(
        [
            _line_findings("row.blank", frame, blank, totals),
            _line_findings("row.total", frame, totals != "", totals),
            _line_findings("row.heading", frame, headings, lone),
            _line_findings("row.note", frame, notes, lone),
        ],
        ignore_index=True,
    ).sort_values("row_number", kind="stable", ignore_index=True)
    header_row = grid.row_numbers[header.index]
    info = sheet_info(grid.name, "read", None, header_row, len(frame))
    info["columns"] = [
        {"sheet": grid.name, "header_row": header_row, "header": name, "field": field_name,
         "column_letter": excel_column(grid.first_col + j)}
        for name, field_name, j in zip(header.names, header.fields, header.columns, strict=True)
    ]  # fmt: skip
    return frame, findings, info


def _frame(
    grid: Grid, header: _Header, columns: list[list[str]], row_numbers: list[int]
) -> pd.DataFrame:
    """The lines as a frame: a text column per canonical field, others in `extra`, all in `raw`."""
    n = len(row_numbers)
    data: dict[str, object] = {
        "sheet": [grid.name] * n,
        "row_number": pd.array(row_numbers, dtype="Int64"),
        "sheet_channel": [rules.sheet_channel(grid.name)] * n,
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



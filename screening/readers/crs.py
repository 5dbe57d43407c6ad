"""Read an OECD CRS / CRS++ extract (xlsx or csv) as a portfolio of projects.

A CRS extract reports one line per activity *and report year*: the same project appears once
for each year the donor reported money on it, often with a title that changed spelling, a
marker that was revised, or a commitment only in its first year. Screening wants projects,
so the yearly lines of one activity are merged into one row (latest title, description and
marker; commitments summed; the widest dates), and every line is kept in `lines` so no money
and no history is lost. Lines that report many small activities in bulk ("Aggregate ...")
carry money but no project text: they stay, flagged `is_aggregate`, and are never guessed at.

The merge key, checked on the Finland CRS++ extract (7,066 lines):
- `ActivityId` when the extract has it (CRS++ builds it from the first year, the CRS id and
  the project number, and it stays fixed over the years) — 2,706 activities;
- else donor + agency + project number (spaces removed: "248 114 01" = 24811401) + recipient
  code. Not `crsid`: Finland's changes format between years (963045, 1996003045,
  1996963045). Not the project number alone: Finland reuses 5001 and 5250 for different NGO
  frame agreements in different countries, hence the recipient code in the key;
- else donor + agency + crsid + recipient; a line with none of these is a project on its own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from screening import rules
from screening.errors import UploadRefused
from screening.readers.grid import (
    HEADER_SEARCH_ROWS,
    LEAD_COLUMNS,
    Grid,
    ReadResult,
    SkippedSheet,
    amount_text,
    blank_lines,
    build_rows_frame,
    excel_column,
    finding,
    grids,
    sheet_info,
    sheet_skipped,
    skip_rules,
    sniff,
    to_json,
    total_markers,
)
from screening.reference import (
    channel_of_bi_multi,
    codelists,
    is_humanitarian_purpose,
    recipient_codes,
)
from screening.rules import refusal

# The OECD's bulk download files (CRS "data.txt") are pipe-delimited and in USD millions.
BULK_DELIMITER = "|"
BULK_AMOUNT_SCALE = 1e6
# CRS header keys (screening.rules.header_key) the reader uses. Everything else goes to `extra`
# under its original header.
USED_KEYS = frozenset(
    {
        "activityid",
        "year",
        "donorcode",
        "agencycode",
        "crsid",
        "projectnumber",
        "recipientcode",
        "bimulti",
        "usdcommitment",
        "usddisbursement",
        "projecttitle",
        "shortdescription",
        "longdescription",
        "purposecode",
        "channelreportedname",
        "channelname",
        "expectedstartdate",
        "completiondate",
        "gender",
    }
)


def looks_like_crs(header_keys: set[str]) -> bool:
    """True when a header row is a CRS extract's: purpose code, recipient, money, CRS ids.

    `header_keys` are `screening.rules.header_key` of the header cells (`usd_commitment` ->
    `usdcommitment`). A desk officer's workbook never has `purposecode` together with
    `usdcommitment`/`usddisbursement` and a CRS identifier column such as `bi_multi`.
    """
    keys = set(header_keys)
    return (
        "purposecode" in keys
        and bool(keys & {"projecttitle", "shortdescription", "longdescription"})
        and bool(keys & {"recipientcode", "recipientname"})
        and bool(keys & {"usdcommitment", "usddisbursement"})
        and bool(keys & {"bimulti", "crsid", "donorcode", "flowcode", "projectnumber"})
    )


def header_score(row: list[str]) -> int:
    """The width of a CRS header row, 0 for any other row (picks a CSV extract's delimiter)."""
    return len(row) if looks_like_crs({rules.header_key(v) for v in row if v}) else 0


def sniff_crs(path: Path, kind: str) -> float | None:
    """The `amount_scale` to read the file with when some sheet (or the CSV file) has a CRS
    header in its first rows; None when it is not a CRS extract.

    The OECD's bulk download files are pipe-delimited text in USD millions (BULK_AMOUNT_SCALE);
    CRS++ extracts and OECD.Stat exports (workbooks, comma or semicolon CSV) are in dollars.
    `kind` is what `sniff` said of the file (which has passed its checks); a file this cannot
    read is not a CRS extract, and `read_portfolio` says what is wrong with it.
    """
    try:
        heads = grids(path, path.name, kind, header_score, head_rows=HEADER_SEARCH_ROWS)
        for grid in heads:
            if isinstance(grid, Grid) and _header_index(grid) is not None:
                return BULK_AMOUNT_SCALE if grid.delimiter == BULK_DELIMITER else 1.0
    except UploadRefused:
        return None
    return None


def read_crs(
    path: Path, file_name: str | None = None, amount_scale: float = 1.0, kind: str | None = None
) -> ReadResult:
    """Read a CRS extract into the read-stage frame, one row per activity.

    `amount_scale` multiplies `usd_commitment`: 1 for CRS++ extracts and OECD.Stat exports
    in US dollars; 1e6 for the OECD bulk download files, which report USD millions.
    Refuses (`UploadRefused`) a file with no CRS header or no line under it.
    `row_label` (after the lead columns) names each row in messages as the file numbers it:
    "Row 12" in a worksheet, "Line 12" in a CSV or text extract.
    """
    name = file_name or path.name
    kind = kind or sniff(path, name)  # size limits, zip bombs, disguised files
    rows, lines, findings, sheets = [], [], [], []
    for grid in grids(path, name, kind, header_score):
        header_at = None if isinstance(grid, SkippedSheet) else _header_index(grid)
        if isinstance(grid, SkippedSheet) or header_at is None:
            reason = getattr(grid, "reason", None) or (
                "it has no CRS header (projecttitle, purposecode, recipientcode, usd_commitment)"
            )
            sheets.append(sheet_info(grid.name, "skipped", reason))
            findings.append(sheet_skipped(grid.name, reason))
            continue
        sheet_rows, sheet_lines, sheet_findings = _read_sheet(grid, header_at, amount_scale)
        rows += sheet_rows
        lines += sheet_lines
        findings += sheet_findings
        header_row = grid.row_numbers[header_at]
        sheets.append(sheet_info(grid.name, "read", None, header_row, len(sheet_lines)))
    if not lines:
        if not any(s["status"] == "read" for s in sheets):
            looked = (
                "; ".join(f'"{s["name"]}" ({s["reason"]})' for s in sheets) or "it has no sheets"
            )
            raise refusal("upload.no_header", name, f"sheets looked at: {looked}")
        raise refusal("upload.no_rows", name)
    frame = build_rows_frame(rows)
    labels = pd.array([r[rules.ROW_LABEL] for r in rows], dtype="string")
    frame.insert(len(LEAD_COLUMNS), rules.ROW_LABEL, labels)
    if frame["skip_rule"].notna().all():
        raise refusal("upload.no_rows", name)
    lines_frame = _lines_frame(lines)
    merged = int(lines_frame["merged_into"].notna().sum())
    return ReadResult(
        rows=frame,
        findings=rules.findings_frame(findings),
        sheets=sheets,
        source="crs",
        lines=lines_frame,
        rows_merged=merged,
        details={"aggregates": int(frame["is_aggregate"].sum()), "amount_scale": amount_scale},
    )


# --- grids ----------------------------------------------------------------------------------


def _header_index(grid: Grid) -> int | None:
    for i, row in enumerate(grid.cells[:HEADER_SEARCH_ROWS]):
        if looks_like_crs({rules.header_key(v) for v in row if v}):
            return i
    return None


# --- one sheet --------------------------------------------------------------------------------


@dataclass
class _Line:
    row_number: int
    cells: dict[str, str]  # header key -> text, for the keys the reader uses
    raw: dict[str, str]  # original header -> text, every kept column
    extra: dict[str, str]  # original header -> text, columns the reader does not use
    key: str | None
    year: int | None
    commitment: float | None
    commitment_text: str
    disbursement: float | None
    is_aggregate: bool
    skip_rule: str | None = None


def _read_sheet(
    grid: Grid, header_at: int, scale: float
) -> tuple[list[dict], list[dict], list[dict]]:
    names, keys, columns = _columns(grid, header_at)
    body = grid.cells[header_at + 1 :]
    numbers = grid.row_numbers[header_at + 1 :]
    cells = [[row[j] if j < len(row) else "" for row in body] for j in columns]
    blank = blank_lines(cells, len(body))
    filled = np.flatnonzero(~blank)
    end = int(filled[-1]) + 1 if filled.size else 0  # trailing blank lines are not read
    totals = np.where(blank[:end], "", total_markers([c[:end] for c in cells], [], end))
    skips = skip_rules(blank[:end], totals)
    lines = [
        _line(numbers[i], body[i], names, keys, columns, scale, skips[i]) for i in range(end)
    ]
    groups: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        if line.skip_rule is None:
            groups[line.key or f"row:{line.row_number}"].append(line)
    ids = _project_ids(groups)
    rows, findings = [], []
    project_row_of: dict[int, int] = {}
    for key, members in groups.items():
        row = _merge(grid.name, key, members, ids[key])
        row[rules.ROW_LABEL] = grid.label(row["row_number"])
        rows.append(row)
        for m in members:
            project_row_of[m.row_number] = row["row_number"]
        if row["is_aggregate"]:
            findings.append(
                finding(
                    "crs.aggregate_line",
                    grid.name,
                    row["row_number"],
                    "title",
                    row["title"] or "",
                    row=row[rules.ROW_LABEL],
                )
            )
    for line in lines:
        if line.skip_rule:
            rows.append(
                {
                    "sheet": grid.name,
                    "row_number": line.row_number,
                    rules.ROW_LABEL: grid.label(line.row_number),
                    "skip_rule": line.skip_rule,
                    "is_aggregate": False,
                    "extra": to_json(line.extra),
                    "raw": to_json(line.raw),
                }
            )
            value = (
                ""
                if line.skip_rule == "row.blank"
                else next((v for v in line.raw.values() if v), "")
            )
            findings.append(
                finding(
                    line.skip_rule,
                    grid.name,
                    line.row_number,
                    "",
                    value,
                    row=grid.label(line.row_number),
                )
            )
    rows.sort(key=lambda r: r["row_number"])
    n_merged = sum(len(m) - 1 for m in groups.values())
    if n_merged:
        findings.append(
            finding(
                "crs.lines_merged",
                grid.name,
                None,
                "",
                n_merged,
                detail=f"{len(lines)} lines, {len(groups)} projects",
            )
        )
    line_rows = [
        {
            "sheet": grid.name,
            "row_number": line.row_number,
            "crs_key": line.key,
            "year": line.year,
            "usd_commitment": line.commitment,
            "usd_disbursement": line.disbursement,
            "project_row": project_row_of.get(line.row_number),
            "merged_into": (
                project_row_of[line.row_number]
                if line.row_number in project_row_of
                and project_row_of[line.row_number] != line.row_number
                else None
            ),
            "is_aggregate": line.is_aggregate,
            "skip_rule": line.skip_rule,
            "raw": to_json(line.raw),
        }
        for line in lines
    ]
    return rows, line_rows, findings


def _columns(grid: Grid, header_at: int) -> tuple[list[str], list[str], list[int]]:
    """Display name, header key and grid column of every kept column.

    Unnamed columns holding data are kept as `column BW` (Finland's extract has three);
    unnamed empty ones are dropped; a repeated name gets its column letter.
    """
    header = grid.cells[header_at]
    body = grid.cells[header_at + 1 :]
    names, keys, columns, seen = [], [], [], set()
    for j, text in enumerate(header):
        if not text and not any(j < len(r) and r[j] for r in body):
            continue
        display = text or f"column {excel_column(j)}"
        if display in seen:
            display = f"{display} (column {excel_column(j)})"
        seen.add(display)
        names.append(display)
        keys.append(rules.header_key(text) if text else "")
        columns.append(j)
    return names, keys, columns


def _line(
    row_number: int,
    row: list[str],
    names: list[str],
    keys: list[str],
    columns: list[int],
    scale: float,
    skip: str | None,
) -> _Line:
    raw, cells, extra = {}, {}, {}
    for name, key, j in zip(names, keys, columns, strict=True):
        text = row[j] if j < len(row) else ""
        raw[name] = text
        if key in USED_KEYS and key not in cells:
            cells[key] = text
        else:
            extra[name] = text
    commitment_text = cells.get("usdcommitment", "")
    title = cells.get("projecttitle") or cells.get("shortdescription") or ""
    return _Line(
        row_number=row_number,
        cells=cells,
        raw=raw,
        extra={k: v for k, v in extra.items() if v},
        key=None if skip else _key(cells),
        year=_int(cells.get("year")),
        commitment=_scaled(_float(commitment_text), scale),
        commitment_text=commitment_text,
        disbursement=_scaled(_float(cells.get("usddisbursement")), scale),
        is_aggregate=bool(title) and _is_aggregate_title(title),
        skip_rule=skip,
    )


def _key(cells: dict[str, str]) -> str | None:
    """The activity a line belongs to (module docstring: why this key)."""
    donor = cells.get("donorcode", "")
    agency = cells.get("agencycode", "")
    recipient = cells.get("recipientcode", "")
    if cells.get("activityid"):
        return f"{donor}|{cells['activityid']}"
    number = re.sub(r"\s+", "", cells.get("projectnumber", ""))
    if number:
        return f"{donor}|{agency}|{number}|{recipient}"
    if cells.get("crsid"):
        return f"{donor}|{agency}|crsid:{cells['crsid']}|{recipient}"
    return None


def _project_ids(groups: dict[str, list[_Line]]) -> dict[str, str | None]:
    """A project ID per merged activity, unique within the sheet when the source allows.

    `ActivityId` when present; else the project number, with `/recipient code` added where
    one number covers several activities; else the CRS id. In an extract of several donors
    (the OECD's bulk files), the donor code comes first (`301-5001`), since donors number
    their projects independently. A line with none has no ID and is rejected by validation
    for it, rather than given an invented one.
    """
    donors = {members[-1].cells.get("donorcode", "") for members in groups.values()}
    base: dict[str, str | None] = {}
    for key, members in groups.items():
        cells = members[-1].cells
        number = re.sub(r"\s+", "", cells.get("projectnumber", ""))
        value = cells.get("activityid") or number or cells.get("crsid") or None
        if value and len(donors) > 1 and cells.get("donorcode"):
            value = f"{cells['donorcode']}-{value}"
        base[key] = value
    counts: dict[str | None, int] = defaultdict(int)
    for value in base.values():
        counts[value] += 1
    out = {}
    for key, value in base.items():
        if value and counts[value] > 1 and not groups[key][-1].cells.get("activityid"):
            recipient = groups[key][-1].cells.get("recipientcode", "")
            value = f"{value}/{recipient}" if recipient else value
        out[key] = value
    return out


def _merge(sheet: str, key: str, members: list[_Line], project_id: str | None) -> dict:
    """One project row from an activity's yearly lines.

    Ordered by report year (then row), the latest non-blank value wins for every text field
    and the marker; commitments are summed; dates are the earliest start and latest end.
    The project row takes the row number of the latest line, the one its text comes from.
    """
    ordered = sorted(members, key=lambda m: (m.year if m.year is not None else -1, m.row_number))
    latest = ordered[-1]

    def last(*keys: str) -> str | None:
        for m in reversed(ordered):
            for k in keys:
                if m.cells.get(k):
                    return m.cells[k]
        return None

    title = last("projecttitle", "shortdescription")
    description = last("longdescription", "shortdescription", "projecttitle")
    purpose = last("purposecode")
    recipient_code = latest.cells.get("recipientcode") or last("recipientcode")
    recipient = _recipient(recipient_code, latest.raw, members)
    channel = (
        "humanitarian" if is_humanitarian_purpose(purpose) else channel_of_bi_multi(last("bimulti"))
    )
    budget = _budget(ordered)
    crs = {
        "key": key,
        "lines": len(members),
        "rows": [m.row_number for m in ordered],
        "years": sorted({m.year for m in members if m.year is not None}),
        "usd_disbursement": _sum([m.disbursement for m in members]),
        "recipient_codes": sorted({m.cells.get("recipientcode", "") for m in members} - {""}),
        "purpose_codes": sorted({m.cells.get("purposecode", "") for m in members} - {""}),
        "bi_multi": last("bimulti"),
    }
    extra: dict[str, object] = dict(latest.extra)
    extra["crs"] = crs
    return {
        "sheet": sheet,
        "row_number": latest.row_number,
        "sheet_channel": None,
        "skip_rule": None,
        "project_id": project_id,
        "title": title,
        "description": description,
        "recipient_country": recipient,
        "sector_code": purpose,
        "partner": last("channelreportedname", "channelname"),
        "budget": budget,
        "currency": "USD" if budget is not None else None,
        "start_date": _date_bound(ordered, "expectedstartdate", min),
        "end_date": _date_bound(ordered, "completiondate", max),
        "gender_marker": last("gender"),
        "channel": channel,
        "is_aggregate": any(m.is_aggregate for m in members),
        "extra": to_json(extra),
        "raw": to_json(latest.raw),
    }


def _recipient(code: str | None, raw: dict[str, str], members: list[_Line]) -> str | None:
    """ISO alpha-3 or R-code from the reference list; else the recipient's name as written,
    which normalise resolves by name or reports as unknown (nothing is guessed here)."""
    if code:
        found = recipient_codes().get(code.lstrip("0") or "0")
        if found:
            return found
    for name, value in raw.items():
        if rules.header_key(name) == "recipientname" and value:
            return value
    return code or None


def _budget(ordered: list[_Line]) -> str | None:
    """The summed commitment as text; a value that is not a number is passed on as written,
    so normalise reports it (`number.invalid`) instead of the sum silently dropping it."""
    bad = next(
        (m.commitment_text for m in ordered if m.commitment_text and m.commitment is None), None
    )
    if bad is not None:
        return bad
    values = [m.commitment for m in ordered if m.commitment is not None]
    return amount_text(sum(values)) if values else None


def _date_bound(ordered: list[_Line], key: str, pick) -> str | None:
    texts = [m.cells.get(key, "") for m in ordered]
    parsed = [d for d in (_date(t) for t in texts) if d is not None]
    if parsed:
        return pick(parsed).isoformat()
    return next((t for t in reversed(texts) if t), None)


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    head = text.strip()[:10]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def _float(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if text.count(",") == 1 and "." not in text:  # a decimal comma from a European CSV export
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return None
    return None


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def _int(text: str | None) -> int | None:
    value = _float(text)
    return int(value) if value is not None and value.is_integer() else None


def _sum(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present), 2) if present else None


def _lines_frame(lines: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(
        lines,
        columns=[
            "sheet",
            "row_number",
            "crs_key",
            "year",
            "usd_commitment",
            "usd_disbursement",
            "project_row",
            "merged_into",
            "is_aggregate",
            "skip_rule",
            "raw",
        ],
    )
    return frame.astype(
        {
            "sheet": "string",
            "row_number": "Int64",
            "crs_key": "string",
            "year": "Int64",
            "usd_commitment": "Float64",
            "usd_disbursement": "Float64",
            "project_row": "Int64",
            "merged_into": "Int64",
            "is_aggregate": "boolean",
            "skip_rule": "string",
            "raw": "string",
        }
    )


@cache
def _aggregate_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in codelists()["aggregate_title_patterns"]]


def _is_aggregate_title(title: str) -> bool:
    return any(p.search(title) for p in _aggregate_patterns())

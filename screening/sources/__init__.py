"""Readers for what donors publish: OECD CRS extracts and IATI activity XML.

Desk officers' own workbooks go through `screening.read`; a CRS extract or an IATI file is
a portfolio too, but laid out by a standard rather than by a person. These readers turn both
into the `read` stage's frame (docs/ARCHITECTURE.md, "read"), so the same normalise, validate
and screen stages apply. What is shared between the two lives here: the result type, the
code lists (kept as data in `data/reference/`) and the
helpers that build the frame.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import pandas as pd

from screening import config
from screening.errors import ConfigurationError, UploadRefused
from screening.read import ReadResult
from screening.rules import fields, load_yaml, rule

CODELISTS_PATH = config.REFERENCE_DIR / "crs_iati_codelists.yaml"
RECIPIENT_CODES_PATH = config.REFERENCE_DIR / "crs_recipient_codes.csv"

# Columns of the read-stage frame that are not canonical fields, in their order.
LEAD_COLUMNS = ["sheet", "row_number", "sheet_channel", "skip_rule"]
TAIL_COLUMNS = ["is_aggregate", "extra", "raw"]


# --- rules ---------------------------------------------------------------------------------


def refusal(rule_id: str, file_name: str, detail: str = "") -> UploadRefused:
    """The `UploadRefused` for a refuse rule, its message filled in."""
    return UploadRefused(rule(rule_id).format(file_name=file_name, detail=detail), rule=rule_id)


def finding(
    rule_id: str,
    sheet: str,
    row_number: int | None = None,
    column: str = "",
    value: object = "",
    **placeholders: object,
) -> dict:
    """One finding row (a dict with FINDING_COLUMNS) for a rule of either catalogue."""
    r = rule(rule_id)
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


# --- reference data ----------------------------------------------------------------------


@cache
def codelists() -> dict:
    """data/reference/crs_iati_codelists.yaml (Bi/Multi, IATI code lists, aggregate patterns)."""
    return load_yaml(CODELISTS_PATH)


@cache
def recipient_codes() -> dict[str, str]:
    """CRS recipient code (as text, no leading zeros) -> ISO alpha-3 or R-code."""
    try:
        with RECIPIENT_CODES_PATH.open(encoding="utf-8", newline="") as f:
            return {row["crs_code"].strip(): row["code"].strip() for row in csv.DictReader(f)}
    except (OSError, KeyError) as exc:
        raise ConfigurationError(f"cannot read {RECIPIENT_CODES_PATH}: {exc}") from exc


def channel_of_bi_multi(code: str | None) -> str | None:
    """Our channel for a CRS Bi/Multi or IATI collaboration-type code; None when unknown."""
    if not code:
        return None
    entry = codelists()["bi_multi"].get(code.strip())
    return entry["channel"] if entry else None


def is_humanitarian_purpose(purpose_code: str | None) -> bool:
    """True for DAC 5-digit purpose codes of sector VIII (720xx, 730xx, 740xx)."""
    if not purpose_code or len(purpose_code) != 5 or not purpose_code.isdigit():
        return False
    return purpose_code.startswith(tuple(codelists()["humanitarian_purpose_prefixes"]))


# --- cells and frames ----------------------------------------------------------------------


def amount_text(total: float) -> str:
    """A summed amount as text: whole numbers without decimals, others to the cent."""
    if float(total).is_integer():
        return str(int(total))
    return f"{total:.2f}"


def to_json(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def build_rows_frame(records: list[dict]) -> pd.DataFrame:
    """The read-stage frame from row dicts: lead columns, canonical fields, then the tail.

    Canonical field columns appear when some record has that key (a reader lists every
    field it produces, so the columns do not depend on the data), in the order
    of fields.yaml, as dtype `string` (what normalise expects from `screening.read`).
    """
    canonical = [name for name in fields() if any(name in rec for rec in records)]
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


def read_source(
    path: Path, file_name: str | None = None, kind: str | None = None
) -> ReadResult | None:
    """Read `path` as an IATI file or CRS extract when it is one; None when it is neither.

    The one entry point the ingest flow needs: try this before `screening.read`. `kind` is
    what `screening.sniff.sniff` said of the file, when the caller has already asked it.
    """
    from screening.sources import crs, iati

    if iati.looks_like_iati(path):
        return iati.read_iati(path, file_name=file_name)
    if crs.sniff_crs(path):
        return crs.read_crs(path, file_name=file_name, kind=kind)
    return None

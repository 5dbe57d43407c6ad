"""normalise: turn the text `read` found into canonical, typed project columns.

Contract (docs/ARCHITECTURE.md): `normalise(rows, channel=None) -> (projects, findings)`.
`projects` keeps the index and row order of `rows` and has PROJECT_COLUMNS with the types in
PROJECT_DTYPES, then `row_label` (`screening.rules.ROW_LABEL`: how messages name the row, as
its reader labelled it, "Activity 5 (XM-...)" or "Line 12"; NA for a workbook row, which reads
"Row 12"). `row_label` is for messages only: the warehouse stores PROJECT_COLUMNS. A value that
cannot be converted becomes NA and yields one finding (`number.invalid`, `date.invalid`, ...)
that shows the value as the desk officer wrote it.

What this stage does *not* do: required fields, duplicate IDs, negative budgets and date order
are the Great Expectations suites' job (validate.py), so each rule is checked in one place.

Published data (`source` "crs" or "iati", from `screening.readers.read_upload`) is what a donor
reported in its time, so two workbook rules bend for it: a country that has left the DAC list
of ODA recipients since is a warning (`country.former_oda_recipient`), not an error, and a
budget without a currency stays without one instead of taking the workbook default (DKK).
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from screening import parse
from screening.reference import (
    country_lookup,
    country_name,
    oda_recipients,
    purpose_codes,
    recipient_codes,
    regions,
)
from screening.rules import ROW_LABEL, fields, findings_frame, header_key, make_findings

PROJECT_DTYPES: dict[str, str] = {
    "sheet": "string",
    "row_number": "Int64",
    "channel": "string",
    "project_id": "string",
    "title": "string",
    "description": "string",
    "objectives": "string",
    "indicators": "string",
    "recipient_country": "string",
    "recipient_name": "string",
    "sector_code": "Int64",
    "partner": "string",
    "budget": "Float64",
    "currency": "string",
    "start_date": "datetime64[s]",
    "end_date": "datetime64[s]",
    "gender_marker": "Int64",
    "gam_code": "Int64",
    "cluster": "string",
    "status": "string",
    "description_words": "Int64",
    "source": "string",
    "is_aggregate": "boolean",
    "extra": "string",
    "raw": "string",
}
PROJECT_COLUMNS: list[str] = list(PROJECT_DTYPES)
OUTPUT_COLUMNS: list[str] = [*PROJECT_COLUMNS, ROW_LABEL]
"""The columns `normalise` returns: PROJECT_COLUMNS (stored), then the row label (messages)."""
_CRS_CODE = re.compile(r"R?(\d{1,4})")
WORKBOOK = "workbook"
"""`source` of a desk officer's workbook or CSV; anything else (crs, iati) is published data."""

TEXT_FIELDS = (
    "project_id",
    "title",
    "description",
    "objectives",
    "indicators",
    "partner",
    "cluster",
)


def normalise(rows: pd.DataFrame, channel: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical project rows and the findings met on the way.

    `rows` is `ReadResult.rows` without the skipped lines; any canonical column may be missing
    (it becomes NA). `channel` is the uploader's choice, used when neither a channel column nor
    the sheet name gives one; it must be a channel word (`Humanitær` is fine) or None.
    """
    uploader_channel = _uploader_channel(channel)
    text = {name: _column(rows, name) for name in fields()}
    out = pd.DataFrame(index=rows.index)
    out["sheet"] = _column(rows, "sheet")
    out["row_number"] = rows["row_number"].astype("Int64") if "row_number" in rows else pd.NA
    out[ROW_LABEL] = _column(rows, ROW_LABEL)
    found = _Findings(out)
    source = _column(rows, "source").fillna(WORKBOOK)
    published = source != WORKBOOK

    # Channel first: findings messages name it. Column, else sheet name, else uploader.
    from_column, bad_channel = parse.parse_channel(text["channel"])
    sheet_channel = _column(rows, "sheet_channel")
    out["channel"] = from_column.fillna(sheet_channel).fillna(uploader_channel or pd.NA)
    out.loc[bad_channel, "channel"] = pd.NA
    found.add("channel.unknown", "channel", bad_channel, text["channel"])
    found.add("channel.unknown", "channel", out["channel"].isna() & ~bad_channel, "")

    for name in TEXT_FIELDS:
        out[name] = parse.clean_text(text[name])

    _country(out, text["recipient_country"], found, source)
    _sector(out, text["sector_code"], found)
    _money(out, text["budget"], text["currency"], found, published)

    for name in ("start_date", "end_date"):
        out[name], failed = parse.parse_date(text[name], end=name == "end_date")
        found.add("date.invalid", name, failed, text[name])
    for name, parser in (
        ("gender_marker", parse.parse_gender_marker),
        ("gam_code", parse.parse_gam_code),
    ):
        out[name], failed = parser(text[name])
        found.add(f"{name}.invalid", name, failed, text[name])
    out["status"], failed = parse.parse_status(text["status"])
    found.add("status.unknown", "status", failed, text["status"])

    out["description_words"] = parse.word_count(out["description"])
    out["source"] = source
    out["is_aggregate"] = (
        rows["is_aggregate"].astype("boolean").fillna(False) if "is_aggregate" in rows else False
    )
    out["extra"] = _column(rows, "extra")
    out["raw"] = _column(rows, "raw")
    return out[OUTPUT_COLUMNS].astype(PROJECT_DTYPES), found.frame()


def _uploader_channel(channel: str | None) -> str | None:
    if channel is None:
        return None
    value, failed = parse.parse_channel(pd.Series([channel], dtype="string"))
    if failed.iloc[0]:
        raise ValueError(f"channel {channel!r} is not bilateral, multilateral or humanitarian")
    return value.iloc[0] if pd.notna(value.iloc[0]) else None


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    """A column of `rows` as string, or all-NA when the sheet had no such column."""
    if name in rows:
        return rows[name].astype("string")
    return pd.Series(pd.NA, index=rows.index, dtype="string")


def _country(out: pd.DataFrame, text: pd.Series, found: _Findings, source: pd.Series) -> None:
    """recipient_country -> alpha-3 or R-code, and its English name; ODA recipients only.

    Published data may give the recipient as its DAC CRS recipient code: IATI publishers
    write `798` (Asia, regional) in `recipient-country` or `57` (Kosovo, which has no ISO
    code) in `recipient-region`, which the reader passes on as `R57`. Such a code (bare or
    after R) is read through the CRS recipient list when nothing else matched.

    A country off the current DAC list is an error in a workbook. In published data it is a
    former recipient (a warning; the code is kept) when the donor reported it to the DAC (a
    CRS line: the DAC only takes recipients on the list of its year) or when it is on the CRS
    recipient list of past editions (an IATI activity); a country never on the list (an IATI
    publisher's activity at home) stays an error.
    """
    cleaned = parse.clean_text(text)
    keys = pd.Series(cleaned.unique(), dtype="string").dropna()
    codes = dict(zip(keys, keys.map(lambda k: country_lookup().get(header_key(k))), strict=True))
    code = cleaned.map(codes, na_action="ignore").astype("string")
    by_crs = cleaned.where(code.isna() & (source != WORKBOOK)).map(
        _crs_recipient, na_action="ignore"
    )
    code = code.fillna(by_crs.astype("string"))
    unknown = cleaned.notna() & code.isna()
    allowed = oda_recipients() | regions()
    off_list = code.notna() & ~code.isin(list(allowed))
    former = off_list & (
        (source == "crs") | ((source != WORKBOOK) & code.isin(list(_past_recipients())))
    )
    not_oda = off_list & ~former
    code = code.mask(not_oda)
    out["recipient_country"] = code
    names = {c: country_name(c) for c in code.dropna().unique()}
    out["recipient_name"] = code.map(names, na_action="ignore").astype("string")
    found.add("country.unknown", "recipient_country", unknown, text)
    found.add("country.not_oda_recipient", "recipient_country", not_oda, text)
    found.add("country.former_oda_recipient", "recipient_country", former, text)


def _crs_recipient(text: str) -> str | None:
    """The alpha-3 or R-code of a DAC CRS recipient code (`798`, `R57`), else None."""
    match = _CRS_CODE.fullmatch(text.strip().upper())
    return recipient_codes().get(match[1].lstrip("0") or "0") if match else None


@cache
def _past_recipients() -> frozenset[str]:
    """Alpha-3 codes in the CRS recipient list, which keeps recipients of past editions."""
    return frozenset(recipient_codes().values())


def _sector(out: pd.DataFrame, text: pd.Series, found: _Findings) -> None:
    """sector_code -> Int64; unknown codes are errors, withdrawn ones warnings with their date."""
    code, failed = parse.parse_purpose_code(text)
    codes = purpose_codes()
    known = code.isin(codes.index.to_numpy())
    unknown = failed | (code.notna() & ~known)
    out["sector_code"] = code.mask(unknown)
    found.add("purpose_code.unknown", "sector_code", unknown, text)

    withdrawn_codes = codes.index[codes["status"] == "withdrawn"]
    withdrawn = out["sector_code"].isin(withdrawn_codes.to_numpy())
    dates = codes["withdrawal_date"].dropna()
    for when in dates.unique():
        on_date = withdrawn & out["sector_code"].isin(dates.index[dates == when].to_numpy())
        found.add(
            "purpose_code.withdrawn", "sector_code", on_date, text, detail=f" (withdrawn on {when})"
        )
        withdrawn &= ~on_date
    found.add("purpose_code.withdrawn", "sector_code", withdrawn, text)


def _money(
    out: pd.DataFrame,
    budget: pd.Series,
    currency: pd.Series,
    found: _Findings,
    published: pd.Series,
) -> None:
    """budget -> Float64; currency from its column, else from the amount text, else DKK.

    An explicit currency column wins over a currency written inside the amount. The DKK
    default is a workbook convention: published data states its currency or has none.
    """
    out["budget"], failed, in_amount = parse.parse_amount(budget)
    found.add("number.invalid", "budget", failed, budget)
    column, bad = parse.parse_currency(currency)
    found.add("currency.unknown", "currency", bad, currency)
    default = fields()["currency"].default
    chosen = column.fillna(in_amount)
    chosen = chosen.mask(chosen.isna() & ~published, default or pd.NA)
    out["currency"] = chosen.mask(bad)


class _Findings:
    """Collects findings per rule and returns them in row order, then in the order found."""

    def __init__(self, out: pd.DataFrame) -> None:
        self._out = out
        self._parts: list[pd.DataFrame] = []
        self._positions: list[np.ndarray] = []

    def add(
        self,
        rule_id: str,
        column: str,
        mask: pd.Series,
        values: pd.Series | str,
        **placeholders: object,
    ) -> None:
        mask = mask.fillna(False).astype(bool).to_numpy()
        if not mask.any():
            return
        rows = self._out.loc[mask, ["sheet", "row_number", ROW_LABEL, "channel"]]
        shown = (
            pd.Series(values, index=rows.index, dtype="string")
            if isinstance(values, str)
            else parse.clean_text(values[mask])
        )
        self._parts.append(make_findings(rule_id, rows, column, shown, **placeholders))
        self._positions.append(np.flatnonzero(mask))

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return findings_frame()
        order = np.argsort(np.concatenate(self._positions), kind="stable")
        frame = pd.concat(self._parts, ignore_index=True)
        return frame.iloc[order].reset_index(drop=True)

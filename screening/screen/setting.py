"""The recipient's fragility in the project's years (codebook rule 1(a)).

``data/reference/fragile_contexts.csv`` holds the dated lists: the OECD's States of Fragility
editions (2015 onward), its earlier Fragile States reports, and Denmark's 2005 action plan,
each row with the years it is applied to (``from_year``..``to_year``: the years nearer to that
edition than to any other, written into the data so that they can be read and checked). A
project is on a list when any of its years (start to end) falls in the years of an edition
that names its recipient; a project without dates is judged by the latest edition.

The lookup is a table per (country, year), built once per rubric, so a million projects cost
a few array gathers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screening.rubric import Rubric

FIRST_YEAR, LAST_YEAR = 1990, 2040


@dataclass(frozen=True)
class FragileYears:
    """Which row of the fragile-contexts table covers each (country, year)."""

    countries: pd.Index  # iso3 codes, the first axis
    row: np.ndarray  # int [country, year - FIRST_YEAR]: covering row, -1 when none
    next_year: np.ndarray  # int [country, year]: first covered year index from then on, or past it
    latest: np.ndarray  # int [country]: row of the main list's latest edition, -1 when none


_BY_VERSION: dict[str, FragileYears] = {}


def years_of(rubric: Rubric) -> FragileYears:
    """The rubric's fragile-contexts table as a per-(country, year) lookup, built once per
    rubric version (the version hashes the table)."""
    if rubric.version not in _BY_VERSION:
        _BY_VERSION[rubric.version] = fragile_years(rubric.fragile)
    return _BY_VERSION[rubric.version]


def fragile_years(table: pd.DataFrame, main_list: str = "oecd") -> FragileYears:
    """The per-year lookup of a fragile-contexts table (see :func:`screening.rubric.read_fragile`).

    Where two rows cover the same year (Denmark's 2005 plan beside the OECD list of its time),
    the earlier row in the file is kept: the file puts the OECD lists first.
    """
    countries = pd.Index(sorted(table["iso3"].unique()))
    n_years = LAST_YEAR - FIRST_YEAR + 1
    row = np.full((len(countries), n_years), -1, dtype=np.int64)
    ci = countries.get_indexer(table["iso3"])
    lo = table["from_year"].fillna(FIRST_YEAR).clip(FIRST_YEAR, LAST_YEAR).to_numpy(int)
    hi = table["to_year"].fillna(LAST_YEAR).clip(FIRST_YEAR, LAST_YEAR).to_numpy(int)
    for r in range(len(table) - 1, -1, -1):  # a few hundred rows, once per rubric
        row[ci[r], lo[r] - FIRST_YEAR : hi[r] - FIRST_YEAR + 1] = r
    covered = row >= 0
    # next_year[c, y]: the first covered year index >= y (n_years when none): a reversed
    # running minimum over the covered years' indices.
    idx = np.where(covered, np.arange(n_years)[None, :], n_years)
    next_year = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    main = table["list"].eq(main_list).to_numpy()
    edition = pd.to_numeric(table["edition"], errors="coerce").fillna(-1).to_numpy()
    latest = np.full(len(countries), -1, dtype=np.int64)
    if main.any():
        newest = edition[main].max()
        rows = np.flatnonzero(main & (edition == newest))
        latest[ci[rows]] = rows
    return FragileYears(countries, row, next_year, latest)


def project_years(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) year of each project from its start and end dates; -1 where neither is
    known (then the latest edition applies)."""
    n = len(frame)

    def year(col: str) -> pd.Series:
        if col not in frame:
            return pd.Series(pd.NA, index=frame.index, dtype="Int64")
        return pd.to_datetime(frame[col], errors="coerce").dt.year.astype("Int64")

    start, end = year("start_date"), year("end_date")
    start, end = start.fillna(end), end.fillna(start)
    lo = start.fillna(-1).to_numpy(np.int64)
    hi = end.fillna(-1).to_numpy(np.int64)
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    return lo.reshape(n), hi.reshape(n)


def fragile_rows(
    years: FragileYears, country: pd.Series, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(project rows on a list, the table row that puts each there)."""
    ci = years.countries.get_indexer(country.astype("string").str.upper().fillna(""))
    known = ci >= 0
    rows = np.flatnonzero(known)
    c, a, b = ci[rows], lo[rows], hi[rows]
    dated = a >= 0
    first = np.clip(a, FIRST_YEAR, LAST_YEAR) - FIRST_YEAR
    last = np.clip(b, FIRST_YEAR, LAST_YEAR) - FIRST_YEAR
    hit_year = years.next_year[c, first]
    on_list = hit_year <= last
    table_row = np.where(
        dated,
        np.where(on_list, years.row[c, np.minimum(hit_year, years.row.shape[1] - 1)], -1),
        years.latest[c],
    )
    keep = table_row >= 0
    return rows[keep], table_row[keep]

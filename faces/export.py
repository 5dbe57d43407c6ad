"""Making exported cells safe to open in a spreadsheet.

Why this exists: the warehouse keeps desk officers' text exactly as typed, including cells
such as `=HYPERLINK("http://…","click")`. Excel (and LibreOffice, Google Sheets) runs any
cell of a CSV file that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula, so an export opened by an evaluator could fetch URLs, leak other cells or start
programs (CSV or formula injection, OWASP). The warehouse is right to keep the text; the
export is where it must be neutralised. Every export meant for a person (CSV now, workbooks
later) should go through `neutralise_formulas`.

`export_table` writes any table or view of the warehouse as CSV (neutralised), Parquet (for
programs: values exactly as stored) or an Excel workbook (text cells written as text, never
as formulas, see `faces.report`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandas.api.types import infer_dtype, is_object_dtype, is_string_dtype

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheet programs (OWASP)."""

ESCAPE = "'"
"""OWASP's recommended prefix: spreadsheets show the cell as text and hide the quote."""

# What pandas infers for columns that hold text (possibly among other values); bytes, lists,
# dates, decimals and numbers are left alone, since their CSV text cannot start a formula
# that a person typed.
_TEXT_KINDS = frozenset({"string", "mixed", "mixed-integer"})


def _escape_text(values: pd.Series) -> pd.Series:
    """`values` with every string that starts with a formula trigger prefixed by a quote."""
    if not (is_string_dtype(values) or is_object_dtype(values)):
        return values  # numbers, dates, booleans: a negative number stays a number
    if infer_dtype(values, skipna=True) not in _TEXT_KINDS:
        return values
    # Non-strings inside an object column give NA here, and are left as they are.
    hits = values.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
    if not hits.any():
        return values
    prefixed = ESCAPE + values.where(hits, "")  # only the hits are used, and all are strings
    return values.where(~hits, prefixed)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` that a spreadsheet will not execute: every text cell, and every
    column name, that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    leading `'`.

    Why: see the module docstring (CSV injection). Only text is touched: numeric, date and
    boolean columns are returned as they are, so `-5` in a number column stays `-5`, while
    the text `-5` in a text column becomes `'-5`. Column names are escaped too, because
    a query can take them from stored text (DuckDB's PIVOT). The input is not modified.
    Vectorised: one pass of pandas string operations per column, no loop over cells.
    """
    out = frame.copy()
    for position in range(out.shape[1]):  # by position: column names may repeat
        out.isetitem(position, _escape_text(out.iloc[:, position]))
    out.columns = _escape_text(pd.Series(out.columns, dtype=object)).tolist()
    return out


EXPORT_FORMATS = ("csv", "parquet", "xlsx")
RELATIONS_SQL = """
SELECT table_name AS name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main'
UNION SELECT view_name FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
ORDER BY name
"""


def exportable(db_path: Path) -> list[str]:
    """The tables and views of the warehouse (docs/data-dictionary.md documents them)."""
    from screening import warehouse

    return warehouse.query(db_path, RELATIONS_SQL)["name"].tolist()


def export_table(db_path: Path, table: str, fmt: str, out: Path, raw: bool = False) -> int:
    """Write table or view `table` to `out` as `fmt` (csv, parquet, xlsx); return its rows.

    CSV text is neutralised against formula injection unless `raw`. Raises `ReportError`
    for a name that is no table or view, or rows an Excel sheet cannot hold.
    """
    from screening import warehouse
    from screening.errors import ReportError

    names = exportable(db_path)
    if table not in names:
        raise ReportError(
            f'"{table}" is not a table or view of the warehouse; choose one of: '
            + ", ".join(names) + "."
        )
    frame = warehouse.query(db_path, f'SELECT * FROM "{table}"')
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        (frame if raw else neutralise_formulas(frame)).to_csv(out, index=False)
    elif fmt == "parquet":
        frame.to_parquet(out, index=False)
    elif fmt == "xlsx":
        from faces.report import write_frame

        write_frame(out, table, frame)
    else:
        raise ValueError(f"format {fmt!r} is not one of {EXPORT_FORMATS}")
    return len(frame)

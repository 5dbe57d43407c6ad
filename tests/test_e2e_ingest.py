"""End to end through the real Prefect flow, on real files, into a real DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]

HEADER = [
    "J.nr.",
    "Titel",
    "Beskrivelse",
    "Land",
    "DAC-kode",
    "Bevilling\n(DKK)",
    "Startdato",
    "Slutdato",
    "Ligestillingsmarkør",
    "Desk officer",
]
LONG = (
    "The programme supports women's participation in local peace committees and "
    "mediation in Darfur, trains women mediators, and funds survivors of sexual and "
    "gender-based violence with medical, legal and psychosocial services in three states."
)


def _messy_workbook(path: Path, extra_rows: list[list] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(["Danida portfolio – Sudan – FY2025"])
    ws.append([])
    ws.append(HEADER)  # header on Excel row 3
    ws.append(
        [
            "2025-01",
            "Women mediators",
            LONG,
            "Sudan",
            15220,
            "1.234.567,50",
            "01-03-2024",
            "marts 2026",
            "Hovedformål",
            "KLA",
        ]
    )  # row 4
    ws.append([])  # row 5: blank
    ws.append(
        [
            "2025-02",
            "Roads",
            "A road. " * 20,
            "UGA",
            "21020",
            2500000,
            dt.datetime(2024, 1, 1),
            "2025",
            "0",
            "N/A",
        ]
    )  # row 6
    ws.append(
        [
            "2025-03",
            "Budget unknown",
            LONG,
            "Afghanistan",
            "15170",
            "afventer",
            "2024",
            "2025",
            "1",
            "-",
        ]
    )  # row 7: rejected (budget)
    ws.append(
        [
            "2025-04",
            '=HYPERLINK("http://x")',
            LONG,
            "Atlantis",
            "15170",
            "100",
            "2024",
            "2023",
            "2",
            "",
        ]
    )  # row 8: rejected (country, dates)
    ws["B8"].data_type = "s"  # text that looks like a formula, as a desk officer typed it
    for row in extra_rows or []:
        ws.append(row)
    ws.append(["I alt", None, None, None, None, 3734567.5])  # total line
    info = wb.create_sheet("Vejledning")
    info.append(["Udfyld et projekt pr. linje."])
    wb.save(path)
    return path


def _table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_messy_workbook_loads_rejects_and_skips_with_counts_that_add_up(ingest, tmp_path):
    summary = ingest(_messy_workbook(tmp_path / "sudan.xlsx"))
    assert summary["status"] == "loaded"
    assert (
        summary["rows_read"],
        summary["rows_loaded"],
        summary["rows_rejected"],
        summary["rows_skipped"],
    ) == (6, 2, 2, 2)
    loaded = _table(
        ingest.db,
        "SELECT project_id, recipient_country, budget, start_date, "
        "end_date, gender_marker, channel FROM projects ORDER BY project_id",
    )
    assert loaded == [
        ("2025-01", "SDN", 1234567.5, dt.date(2024, 3, 1), dt.date(2026, 3, 31), 2, "bilateral"),
        ("2025-02", "UGA", 2500000.0, dt.date(2024, 1, 1), dt.date(2025, 12, 31), 0, "bilateral"),
    ]
    rejected = _table(
        ingest.db,
        "SELECT row_number, column_name, rule, message, raw "
        "FROM rejected_rows ORDER BY row_number, column_name",
    )
    assert [(r[0], r[1], r[2]) for r in rejected] == [
        (7, "budget", "number.invalid"),
        (8, "end_date", "dates.end_before_start"),
        (8, "recipient_country", "country.unknown"),
    ]
    assert rejected[0][3] == 'Row 7: budget "afventer" is not a number.'
    raw = json.loads(rejected[1][4])
    assert raw["Titel"] == '=HYPERLINK("http://x")'  # formula-looking text stays text
    extra = _table(ingest.db, "SELECT extra FROM projects WHERE project_id = '2025-01'")[0][0]
    assert json.loads(extra) == {"Desk officer": "KLA"}
    skipped = _table(ingest.db, "SELECT row_number, rule FROM skipped_rows ORDER BY 1")
    assert skipped == [(5, "row.blank"), (9, "row.total")]
    columns = _table(
        ingest.db, "SELECT header_row, column_letter, header, field FROM upload_columns ORDER BY 2"
    )
    assert columns[0] == (3, "A", "J.nr.", "project_id")
    assert columns[-1] == (3, "J", "Desk officer", None)


def test_the_same_file_twice_loads_once(ingest, tmp_path):
    path = _messy_workbook(tmp_path / "sudan.xlsx")
    first = ingest(path)
    again = ingest(path)
    assert again["duplicate"] is True and again["upload_id"] == first["upload_id"]
    assert _table(ingest.db, "SELECT count(*) FROM uploads") == [(1,)]
    assert _table(ingest.db, "SELECT count(*) FROM projects") == [(2,)]


def test_a_file_that_loaded_nothing_can_be_uploaded_again_with_a_channel(ingest, tmp_path):
    """Issue 11, problem 1: the advised fix (choose the channel) used to be refused as a
    duplicate of the upload that loaded nothing."""
    path = _messy_workbook(tmp_path / "sudan.xlsx")
    wb = load_workbook(path)
    wb["Bilateral"].title = "Portfolio"  # a sheet name that names no channel
    wb.save(path)
    first = ingest(path)
    assert (first["rows_loaded"], first["duplicate"]) == (0, False)

    retry = ingest(path, channel="bilateral")

    assert retry["duplicate"] is False and retry["upload_id"] == first["upload_id"] + 1
    assert (retry["rows_loaded"], retry["chosen_channel"]) == (2, "bilateral")
    assert ingest(path, channel="bilateral")["duplicate"] is True


def test_a_newer_upload_supersedes_and_history_stays(ingest, tmp_path):
    ingest(_messy_workbook(tmp_path / "v1.xlsx"))
    newer = [
        "2025-01",
        "Women mediators, phase II",
        LONG,
        "Sudan",
        15220,
        "2000000",
        "2024",
        "2027",
        "2",
        "",
    ]
    wb = _messy_workbook(tmp_path / "v2.xlsx", extra_rows=[newer])
    second = ingest(wb)
    # In v2 the project 2025-01 appears twice: both rows are rejected as duplicates,
    # so the current view still shows v1's row for it.
    assert second["rows_rejected"] == 4
    current = _table(ingest.db, "SELECT project_id, upload_id FROM projects_current ORDER BY 1")
    assert current == [("2025-01", 1), ("2025-02", 2)]
    history = _table(ingest.db, "SELECT count(*) FROM projects WHERE project_id = '2025-02'")
    assert history == [(2,)]


def test_a_semicolon_windows_1252_csv_loads(ingest, tmp_path):
    path = tmp_path / "humanitarian.csv"
    text = (
        "Project ID;Title;Description;Country;Purpose code;Partner;Budget;Currency;GAM\r\n"
        f"H-1;Protection for women in Juba;{LONG};South Sudan;72010;UNFPA;1.500.000,00;"
        "DKK;4\r\n"
        f"H-2;Shelter;{LONG} Søster.;Sydsudan;72040;Dansk Flygtningehjælp;250000;USD;7\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    summary = ingest(path, channel="humanitarian")
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (1, 1)
    assert _table(ingest.db, "SELECT partner, budget, gam_code FROM projects") == [
        ("UNFPA", 1500000.0, 4)
    ]
    assert _table(ingest.db, "SELECT rule FROM rejected_rows") == [("gam_code.invalid",)]


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"%PDF-1.4 not a workbook at all", "upload.not_a_workbook"),
        (b"Nothing;here\r\nat;all\r\n", "upload.no_header"),
    ],
)
def test_a_refused_file_loads_nothing_and_says_why(ingest, tmp_path, content, rule):
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(content)
    summary = ingest(path)
    assert summary["status"] == "refused"
    assert summary["message"].startswith('"portfolio.xlsx"')
    assert _table(ingest.db, "SELECT count(*) FROM projects") == [(0,)]
    assert _table(ingest.db, "SELECT status, rule FROM uploads") == [("refused", rule)]


def test_a_file_over_the_limit_is_refused_without_filling_the_archive(
    ingest, data_dir, tmp_path, monkeypatch
):
    from screening import config

    monkeypatch.setattr(config, "MAX_UPLOAD_BYTES", 1000)
    path = tmp_path / "huge.csv"
    path.write_text("Project ID;Title\n" + "P-1;Roads\n" * 200, encoding="utf-8")
    summary = ingest(path)
    assert (summary["status"], summary["rule"]) == ("refused", "upload.too_large")
    assert _table(ingest.db, "SELECT archive_path, size_bytes FROM uploads") == [
        (None, path.stat().st_size)
    ]
    archive = data_dir / "archive"
    assert not archive.exists() or not any(p.is_file() for p in archive.rglob("*"))


def test_cli_ingest_prints_every_row_that_did_not_load(prefect_harness, data_dir, tmp_path):
    from faces.cli import app

    path = _messy_workbook(tmp_path / "sudan.xlsx")
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 loaded, 2 rejected, 2 skipped" in result.output
    assert 'Row 7: budget "afventer" is not a number.' in result.output
    assert 'Note: Sheet "Vejledning" was not read' in result.output
    query = CliRunner().invoke(
        app, ["query", "SELECT project_id FROM projects_current ORDER BY 1", "--format", "json"]
    )
    assert json.loads(query.output) == [{"project_id": "2025-01"}, {"project_id": "2025-02"}]
    status = CliRunner().invoke(app, ["status"])
    header, row = status.output.splitlines()[:2]
    assert header.split() == [
        "upload",
        "when",
        "file",
        "portfolio",
        "channel",
        "status",
        "read",
        "loaded",
        "rejected",
        "skipped",
        "merged",
        "warnings",
    ]
    assert row.split()[3:] == [
        "sudan.xlsx", "sudan", "bilateral", "loaded", "6", "2", "2", "2", "0", "0"
    ]  # fmt: skip


def test_cli_a_sheet_without_channel_is_one_problem_said_first_and_no_success(
    prefect_harness, data_dir, tmp_path
):
    """Issue 11, problem 2 (and 3, 5): "no channel" was an error on every row, under a line
    that looked like a success; the columns read were not said."""
    from faces.cli import app

    path = _messy_workbook(tmp_path / "sudan.xlsx")
    wb = load_workbook(path)
    wb["Bilateral"].title = "Portfolio"
    wb.save(path)

    result = CliRunner().invoke(app, ["ingest", str(path), "--feedback"])

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "sudan.xlsx: upload 1 — nothing loaded: 6 rows read, 4 rejected, 2 skipped."
    )
    problem = [line for line in lines if "does not say which channel" in line]
    assert problem == [
        '  Problem: Sheet "Portfolio" does not say which channel its 4 rows are, so none '
        "loaded; choose the channel when uploading (bilateral, multilateral or humanitarian), "
        "name the sheet after the channel, or add a Channel column."
    ]
    assert lines.index(problem[0]) < lines.index("  Rows not loaded, and why:")
    assert not any("channel" in line for line in lines if "Row " in line)  # not on every row
    assert (
        '  Columns of "Portfolio" (header on row 3): J.nr. → project ID, Titel → title'
        in result.output
    )
    assert "not recognised, kept as extra: Desk officer." in result.output
    assert "  Skipped, not projects:" in lines
    assert (tmp_path / "sudan - feedback.xlsx").exists()


def test_cli_feedback_and_template(prefect_harness, data_dir, tmp_path, monkeypatch):
    from faces.cli import app

    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(app, ["ingest", str(_messy_workbook(tmp_path / "sudan.xlsx"))])
    result = CliRunner().invoke(app, ["feedback", "1"])
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "sudan - feedback.xlsx").sheetnames[:2] == [
        "Issues", "Screening"
    ]  # fmt: skip
    unknown = CliRunner().invoke(app, ["feedback", "7"])
    assert unknown.exit_code == 1
    assert "There is no upload 7; `screening status` lists the uploads." in unknown.output

    made = CliRunner().invoke(app, ["template", "--lang", "da", "--channel", "humanitarian"])
    assert made.exit_code == 0, made.output
    assert load_workbook(tmp_path / "portfolio-template-humanitarian-da.xlsx").sheetnames == [
        "Humanitær", "Vejledning", "Lister"
    ]  # fmt: skip


def test_cli_refusal_exits_non_zero_with_one_sentence(prefect_harness, data_dir, tmp_path):
    from faces.cli import app

    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"\x00\x01binary garbage\x00" * 10)
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "is not an Excel workbook" in result.output


def test_cli_a_corrupt_old_excel_file_is_refused_in_one_sentence(
    prefect_harness, data_dir, tmp_path
):
    """Issue 11, problem 7: it used to end in "something unexpected went wrong (ValueError)"
    with exit 3, and was not recorded."""
    from faces.cli import app

    path = tmp_path / "portfolio 2009.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 20)
    result = CliRunner().invoke(app, ["ingest", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        'portfolio 2009.xls: refused. "portfolio 2009.xls" could not be read (its Office '
        "container is damaged); open it in Excel, save it again as .xlsx and upload that copy."
    )
    db = data_dir / "warehouse.duckdb"
    assert _table(db, "SELECT status, rule FROM uploads") == [("refused", "upload.unreadable")]


def test_screening_ingest_runs_as_a_command_on_the_ephemeral_api(data_dir, tmp_path):
    """The console script, in its own process, as a desk officer runs it (no harness)."""
    path = _messy_workbook(tmp_path / "sudan.xlsx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-m", "faces.cli", "ingest", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "2 loaded, 2 rejected, 2 skipped" in result.stdout
    assert (data_dir / "warehouse.duckdb").exists()
    assert (data_dir / "prefect").is_dir()  # Prefect's home stays inside data/


def test_loaded_projects_are_screened_with_evidence(ingest, tmp_path):
    summary = ingest(_messy_workbook(tmp_path / "sudan.xlsx"))
    assert summary["screening"]["screened"] == 2
    results = dict(
        (row[0], row[1:])
        for row in _table(
            ingest.db,
            "SELECT project_id, participation, protection, wps_relevant, marker_claimed, "
            "marker_flag, rubric_version FROM screening_current",
        )
    )
    assert set(results) == {"2025-01", "2025-02"}
    participation, protection, relevant, claimed, _, version = results["2025-01"]
    assert (participation, protection >= 1, relevant, claimed) == (2, True, True, 2)
    assert version.startswith("wps-")
    assert results["2025-02"][2] is False  # the road project is not WPS work
    assert results["2025-02"][4] == "consistent"  # claimed 0, and nothing says otherwise
    criteria = _table(
        ingest.db,
        "SELECT DISTINCT criterion FROM screening_evidence WHERE project_id = '2025-01'",
    )
    assert any(c[0].startswith("participation.") for c in criteria)
    assert any(c[0].startswith("protection.") for c in criteria)
    shares = _table(
        ingest.db,
        "SELECT projects, claimed_share_principal, peacebuilding_share_principal, "
        "un_peacebuilding_target_principal FROM summary_gender_shares",
    )
    projects, claimed_principal, peacebuilding_principal, target = shares[0]
    assert (projects, target) == (2, 0.15)
    # 2025-01 (DKK 1,234,567.50, marked principal) against 2025-02 (DKK 2,500,000, marked 0).
    assert claimed_principal == pytest.approx(1234567.5 / (1234567.5 + 2500000), rel=0.01)
    assert peacebuilding_principal in (0.0, 1.0)  # a share, never NULL, of the one 152xx project


def test_a_corrected_workbook_under_the_same_name_supersedes_it(
    prefect_harness, data_dir, tmp_path
):
    """A desk officer drops a project and uploads the workbook again under the same name."""
    from faces.cli import app

    (tmp_path / "v1").mkdir()
    first = _messy_workbook(tmp_path / "v1" / "Sudan.xlsx")
    assert CliRunner().invoke(app, ["ingest", str(first)]).exit_code == 0
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    ws.append(["2025-01", "Women mediators", LONG, "SDN", 15220, 10, "2024", "2026", "2", ""])
    (tmp_path / "v2").mkdir()
    wb.save(tmp_path / "v2" / "sudan.xlsx")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "v2" / "sudan.xlsx")])
    assert result.exit_code == 0, result.output
    assert (
        '1 project of portfolio "sudan" is not in this version and no longer current'
        in result.output
    )
    db = data_dir / "warehouse.duckdb"
    assert _table(db, "SELECT project_id, upload_id FROM projects_current") == [("2025-01", 2)]
    assert _table(db, "SELECT project_id, upload_id FROM screening_results") == [("2025-01", 2)]
    assert _table(db, "SELECT count(*) FROM projects") == [(3,)]  # the history stays

    second = str(tmp_path / "v2" / "sudan.xlsx")
    refused = CliRunner().invoke(app, ["ingest", str(first), second, "--portfolio", "x"])
    assert refused.exit_code == 1
    assert "--portfolio names the portfolio of one file" in refused.output


def test_a_superseded_row_loses_its_screening_result(ingest, tmp_path):
    ingest(_messy_workbook(tmp_path / "v1.xlsx"))
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    ws.append(
        ["2025-02", "Roads, phase II", "A road. " * 40, "UGA", "21020", 10, "2024", "2026", "0", ""]
    )
    wb.save(tmp_path / "v2.xlsx")
    ingest(tmp_path / "v2.xlsx")
    rows = _table(ingest.db, "SELECT project_id, upload_id FROM screening_results ORDER BY 1")
    assert rows == [("2025-01", 1), ("2025-02", 2)]


def test_cli_rescreen_and_explain(prefect_harness, data_dir, tmp_path):
    from faces.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(_messy_workbook(tmp_path / "s.xlsx"))]).exit_code == 0
    result = runner.invoke(app, ["rescreen"])
    assert result.exit_code == 0, result.output
    assert "Screened 2 projects with rubric wps-" in result.output
    explained = runner.invoke(app, ["explain", "2025-01"])
    assert explained.exit_code == 0, explained.output
    assert "participation        2" in explained.output
    assert "Evidence for:" in explained.output and "UNSCR 1325" in explained.output
    assert "From upload 1 (s.xlsx), sheet Bilateral, Row 4." in explained.output
    missing = runner.invoke(app, ["explain", "NOPE-1"])
    assert missing.exit_code == 1
    assert "No screened project has ID 'NOPE-1'" in missing.output


def test_the_same_bytes_ingested_twice_at_once_load_once(ingest, tmp_path: Path) -> None:
    """The upload page and the inbox may get the same file at the same moment: each run
    works in its own folder, the second waits for the first and is then a duplicate."""
    import threading

    (tmp_path / "page").mkdir()
    (tmp_path / "inbox").mkdir()
    first = _messy_workbook(tmp_path / "page" / "sudan.xlsx")
    second = tmp_path / "inbox" / "sudan.xlsx"
    second.write_bytes(first.read_bytes())
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name: str, path: Path) -> None:
        start.wait()
        try:
            outcomes[name] = ingest(path)
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("a", first), ("b", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(o, dict) for o in outcomes.values()), outcomes
    assert sorted(bool(o.get("duplicate")) for o in outcomes.values()) == [False, True]
    with duckdb.connect(str(ingest.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM uploads").fetchone() == (1,)

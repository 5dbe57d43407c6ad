"""The warehouse on real DuckDB files: schema, counts, idempotency, atomicity, readers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from screening import warehouse
from screening.errors import WarehouseError
from screening.rules import findings_frame, rule

# The tables one upload writes to; the others hold screening results and published data.
UPLOAD_TABLES = (
    "schema_version", "uploads", "projects", "rejected_rows", "skipped_rows", "findings",
)  # fmt: skip
TABLES = (
    *UPLOAD_TABLES,
    "crs_lines", "upload_columns", "rubrics", "screening_results", "screening_evidence",
    "exchange_rates", "benchmarks",
)  # fmt: skip
VIEWS = (
    "projects_current", "projects_usd", "screening_current", "summary_pillars",
    "summary_markers", "summary_gender_shares",
)  # fmt: skip
BILATERAL_HEADER = ["Project ID", "Title", "Description", "Country", "DAC code", "Budget", "Marker"]


# --- building the stage frames by hand ----------------------------------------------------------


def raw_json(cells: list[str]) -> str:
    return json.dumps(dict(zip(BILATERAL_HEADER, cells, strict=True)), ensure_ascii=False)


def project(sheet: str, row_number: int, channel: str, project_id: str, **values: object) -> dict:
    """One normalised project row; fields not given are NA, as normalise leaves them."""
    return {
        "sheet": sheet,
        "row_number": row_number,
        "channel": channel,
        "project_id": project_id,
        "raw": raw_json([project_id, values.get("title", ""), "", "", "", "", ""]),
        "extra": "{}",
        "source": "workbook",
        "is_aggregate": False,
        **values,
    }


def projects_frame(records: list[dict]) -> pd.DataFrame:
    """The normalise contract's columns and dtypes."""
    frame = pd.DataFrame(records).reindex(columns=warehouse.PROJECT_COLUMNS)
    dtypes = {c: "string" for c in warehouse.PROJECT_COLUMNS}
    dtypes.update(
        row_number="Int64",
        sector_code="Int64",
        gender_marker="Int64",
        gam_code="Int64",
        description_words="Int64",
        is_aggregate="boolean",
        budget="Float64",
        start_date="datetime64[s]",
        end_date="datetime64[s]",
    )
    return frame.astype(dtypes)


def rows_frame(projects: pd.DataFrame, skipped: list[dict]) -> pd.DataFrame:
    """The reader's frame: the project rows plus the skipped lines, in sheet order."""
    read = projects[["sheet", "row_number", "raw"]].assign(skip_rule=pd.NA)
    frame = pd.concat([read, pd.DataFrame(skipped)], ignore_index=True)
    frame = frame.astype({"sheet": "string", "row_number": "Int64", "skip_rule": "string"})
    return frame.sort_values(["sheet", "row_number"], ignore_index=True)


def finding(
    rule_id: str,
    sheet: str | None,
    row_number: int | None,
    column: str | None = None,
    value: str | None = None,
    **placeholders: object,
) -> dict:
    """One finding as the stages report it, its message from the rule catalogue."""
    r = rule(rule_id)
    message = r.format(
        sheet=sheet, row_number=row_number, column=column, value=value, **placeholders
    )
    return {
        "sheet": sheet,
        "row_number": row_number,
        "column_name": column,
        "value": value,
        "rule": rule_id,
        "severity": r.severity,
        "message": message,
    }


def upload_info(sha: str, file_name: str = "uganda_portfolio_2025.xlsx") -> dict:
    return {
        "file_name": file_name,
        "sha256": sha * 64 if len(sha) == 1 else sha,
        "size_bytes": 48_213,
        "archive_path": Path("data/archive") / sha,
        "uploaded_by": "desk.officer@um.dk",
    }


DESCRIPTION = (
    "Strengthening women's participation in local peace committees in Acholi and Lango, "
    "with training for women mediators, support to survivors of sexual and gender-based "
    "violence and sex-disaggregated monitoring of the committees' decisions."
)


def portfolio() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A small Bilateral sheet: two rows load (one with a warning), one is rejected for two
    errors, a blank line and a total line are skipped; an Instructions sheet is skipped."""
    projects = projects_frame([
        project("Bilateral", 4, "bilateral", "UGA-2025-01", title="Women in peace committees",
                description=DESCRIPTION, recipient_country="UGA", recipient_name="Uganda",
                sector_code=15220, budget=12_500_000.0, currency="DKK", gender_marker=2,
                start_date="2025-01-01", end_date="2027-12-31", description_words=30),
        project("Bilateral", 5, "bilateral", "AFG-2024-07", title="Midwives for Bamyan",
                description="Training midwives.", recipient_country="AFG",
                recipient_name="Afghanistan", sector_code=12261, budget=4_000_000.0,
                currency="DKK", gender_marker=1, description_words=2),
        project("Bilateral", 6, "bilateral", "UGA-2025-02", title="Justice for survivors",
                description=DESCRIPTION, recipient_country="UGA", recipient_name="Uganda",
                description_words=30),
    ])  # fmt: skip
    rows = rows_frame(projects, [
        {"sheet": "Bilateral", "row_number": 7, "skip_rule": "row.blank",
         "raw": raw_json([""] * 7)},
        {"sheet": "Bilateral", "row_number": 8, "skip_rule": "row.total",
         "raw": raw_json(["Total", "", "", "", "", "16500000", ""])},
    ])  # fmt: skip
    findings = findings_frame([
        finding("sheet.skipped", "Instructions", None, detail="it holds instructions"),
        finding("row.blank", "Bilateral", 7),
        finding("row.total", "Bilateral", 8, value="Total"),
        finding("description.short", "Bilateral", 5, "description", "2"),
        finding("purpose_code.unknown", "Bilateral", 6, "sector_code", "99999"),
        finding("number.invalid", "Bilateral", 6, "budget", "about 3 million"),
    ])  # fmt: skip
    return rows, projects, findings


def table_counts(db: Path) -> dict[str, int]:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in UPLOAD_TABLES)
    return dict(warehouse.query(db, sql).itertuples(index=False, name=None))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


@pytest.fixture
def loaded(db: Path) -> dict:
    return warehouse.load_upload(db, upload_info("a"), *portfolio())


@contextmanager
def writing_elsewhere(db: Path) -> Iterator[None]:
    """Another process holding the warehouse open for writing, as a running flow would."""
    warehouse.connect(db).close()
    code = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
        "sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


# --- schema -------------------------------------------------------------------------------------


def test_schema_is_created_once_and_documented(db: Path) -> None:
    warehouse.connect(db).close()
    warehouse.connect(db).close()

    objects = warehouse.query(
        db,
        "SELECT table_name, comment FROM duckdb_tables() "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal",
    )
    assert set(objects["table_name"]) == {*TABLES, *VIEWS}
    assert objects["comment"].notna().all()
    undocumented = warehouse.query(
        db,
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND NOT internal AND comment IS NULL",
    )
    assert undocumented.empty, undocumented
    versions = warehouse.query(db, "SELECT version FROM schema_version")
    assert versions["version"].tolist() == [warehouse.SCHEMA_VERSION]


def test_warehouse_from_a_newer_tool_is_not_written(db: Path) -> None:
    with warehouse.connect(db) as con:
        con.execute("INSERT INTO schema_version VALUES (99, now()::TIMESTAMP)")
    with pytest.raises(WarehouseError, match="newer than this tool"):
        warehouse.connect(db)


def test_project_columns_match_normalise() -> None:
    normalise = pytest.importorskip("screening.normalise")
    assert list(normalise.PROJECT_COLUMNS) == warehouse.PROJECT_COLUMNS


# --- loading ------------------------------------------------------------------------------------


def test_counts_add_up(db: Path, loaded: dict) -> None:
    assert loaded["duplicate"] is False
    assert loaded["status"] == "loaded"
    assert loaded["channel"] == "bilateral"
    assert loaded["archive_path"] == str(Path("data/archive") / "a")
    counts = {k: loaded[k] for k in loaded if k.startswith("rows_") or k == "warnings"}
    assert counts == {
        "rows_read": 5,
        "rows_loaded": 2,
        "rows_rejected": 1,
        "rows_skipped": 2,
        "rows_merged": 0,
        "warnings": 1,
    }
    assert table_counts(db) == {
        "schema_version": 1,
        "uploads": 1,
        "projects": 2,
        "rejected_rows": 2,
        "skipped_rows": 2,
        "findings": 6,
    }


def test_loaded_rows_keep_types_and_values(db: Path, loaded: dict) -> None:
    uga = warehouse.query(db, "SELECT * FROM projects WHERE project_id = 'UGA-2025-01'").iloc[0]
    assert uga["upload_id"] == loaded["upload_id"]
    assert uga["sector_code"] == 15220 and uga["gender_marker"] == 2
    assert uga["budget"] == 12_500_000.0
    assert str(uga["start_date"])[:10] == "2025-01-01"
    assert json.loads(uga["raw"])["Project ID"] == "UGA-2025-01"
    afg = warehouse.query(
        db, "SELECT start_date, gam_code FROM projects WHERE project_id = 'AFG-2024-07'"
    )
    assert afg.isna().all(axis=None)


def test_rejected_rows_keep_raw_one_row_per_error(db: Path, loaded: dict) -> None:
    rejected = warehouse.query(db, "SELECT * FROM rejected_rows ORDER BY rule")
    assert rejected["row_number"].tolist() == [6, 6]
    assert rejected["rule"].tolist() == ["number.invalid", "purpose_code.unknown"]
    assert rejected["value"].tolist() == ["about 3 million", "99999"]
    assert set(rejected["severity"]) == {"error"}
    assert json.loads(rejected["raw"][0])["Project ID"] == "UGA-2025-02"
    assert "99999" in rejected["message"][1]
    in_projects = warehouse.query(
        db, "SELECT * FROM projects WHERE project_id = $id", {"id": "UGA-2025-02"}
    )
    assert in_projects.empty
    of_upload = "SELECT count(*) AS n FROM rejected_rows WHERE upload_id = ?"
    assert warehouse.query(db, of_upload, [loaded["upload_id"]])["n"][0] == 2


def test_skipped_rows_and_every_finding_are_kept(db: Path, loaded: dict) -> None:
    skipped = warehouse.query(db, "SELECT row_number, rule, message, raw FROM skipped_rows")
    assert skipped.sort_values("row_number")["rule"].tolist() == ["row.blank", "row.total"]
    assert skipped["message"].notna().all()
    assert json.loads(skipped.sort_values("row_number")["raw"].iloc[1])["Project ID"] == "Total"
    findings = warehouse.query(db, "SELECT severity, count(*) AS n FROM findings GROUP BY ALL")
    assert dict(findings.itertuples(index=False)) == {
        "info": 1,
        "skip": 2,
        "warning": 1,
        "error": 2,
    }


def test_same_file_twice_loads_once(db: Path, loaded: dict) -> None:
    again_info = upload_info("a", "Uganda_Portfolio_2025.xlsx")  # the same portfolio
    assert warehouse.find_duplicate(db, again_info)["upload_id"] == loaded["upload_id"]
    before = table_counts(db)

    again = warehouse.load_upload(db, again_info, *portfolio())

    assert again["duplicate"] is True
    assert again["upload_id"] == loaded["upload_id"]
    assert again["file_name"] == "uganda_portfolio_2025.xlsx"
    assert table_counts(db) == before


def test_find_duplicate_without_a_warehouse(db: Path) -> None:
    assert warehouse.find_duplicate(db, upload_info("b")) is None
    assert not db.exists()


# Issue 11, problem 1: a duplicate is the same content, with the same options, into the same
# portfolio, while that upload is the portfolio's current version.


def test_an_upload_that_loaded_nothing_does_not_block_other_options(db: Path) -> None:
    projects = projects_frame([project("Sheet1", 2, pd.NA, "P-1")])
    findings = findings_frame([finding("channel.unknown", "Sheet1", 2, "channel", "")])
    first = warehouse.load_upload(
        db, upload_info("a", "uganda.xlsx"), rows_frame(projects, []), projects, findings
    )
    assert (first["rows_loaded"], first["chosen_channel"]) == (0, None)
    # The same options again: the same result, said once.
    assert warehouse.find_duplicate(db, upload_info("a", "uganda.xlsx"))["upload_id"] == 1

    retry = load_one(db, "a", "P-1", "uganda.xlsx", chosen_channel="bilateral")

    assert retry["duplicate"] is False and retry["upload_id"] == 2
    assert retry["chosen_channel"] == "bilateral"
    assert current_ids(db) == [("P-1", 2)]


def test_the_same_file_into_another_portfolio_is_not_a_duplicate(db: Path) -> None:
    load_one(db, "a", "P-1", "uganda.xlsx")
    other = load_one(db, "a", "P-1", "uganda.xlsx", portfolio="East Africa")
    assert other["duplicate"] is False and other["portfolio"] == "east africa"


def test_a_reverted_portfolio_makes_the_old_version_current_again(db: Path) -> None:
    load_one(db, "a", "P-1", "uganda.xlsx")
    load_one(db, "b", "P-2", "uganda.xlsx")
    assert current_ids(db) == [("P-2", 2)]

    reverted = load_one(db, "a", "P-1", "uganda.xlsx")

    assert reverted["duplicate"] is False and reverted["upload_id"] == 3
    assert reverted["no_longer_current"] == 1
    assert current_ids(db) == [("P-1", 3)]
    # Now v1 is current: the same file again is a duplicate of upload 3.
    assert load_one(db, "a", "P-1", "uganda.xlsx")["upload_id"] == 3


def test_newer_upload_supersedes_in_projects_current(db: Path, loaded: dict) -> None:
    projects = projects_frame([
        project("Bilateral", 2, "bilateral", "UGA-2025-01", title="Women in peace committees",
                description=DESCRIPTION, recipient_country="UGA", sector_code=15220,
                budget=14_000_000.0, gender_marker=2, description_words=30),
        project("Humanitær", 2, "humanitarian", "UGA-2025-01", title="GBV response, West Nile",
                description=DESCRIPTION, recipient_country="UGA", sector_code=72010,
                budget=3_000_000.0, partner="UNFPA", gam_code=4, description_words=30),
    ])  # fmt: skip
    newer = warehouse.load_upload(
        db, upload_info("b"), rows_frame(projects, []), projects, findings_frame()
    )

    assert newer["upload_id"] > loaded["upload_id"]
    assert newer["channel"] == "bilateral,humanitarian"
    assert newer["portfolio"] == loaded["portfolio"] == "uganda_portfolio_2025"
    # The new version of the portfolio no longer holds AFG-2024-07: it is no longer current.
    assert newer["no_longer_current"] == 1
    current = warehouse.query(
        db,
        "SELECT channel, project_id, upload_id, budget FROM projects_current "
        "ORDER BY channel, project_id",
    )
    assert current.values.tolist() == [
        ["bilateral", "UGA-2025-01", newer["upload_id"], 14_000_000.0],
        ["humanitarian", "UGA-2025-01", newer["upload_id"], 3_000_000.0],
    ]
    history = warehouse.query(
        db,
        "SELECT upload_id, budget FROM projects WHERE project_id = 'UGA-2025-01' "
        "AND channel = 'bilateral' ORDER BY upload_id",
    )
    assert history.values.tolist() == [
        [loaded["upload_id"], 12_500_000.0],
        [newer["upload_id"], 14_000_000.0],
    ]


def load_one(db: Path, sha: str, project_id: str, file_name: str, **upload: object) -> dict:
    """Load an upload holding one bilateral project."""
    projects = projects_frame([project("Bilateral", 2, "bilateral", project_id, budget=1.0)])
    info = {**upload_info(sha, file_name), **upload}
    return warehouse.load_upload(db, info, rows_frame(projects, []), projects, findings_frame())


def current_ids(db: Path) -> list[tuple[str, int]]:
    sql = "SELECT project_id, upload_id FROM projects_current ORDER BY 1"
    return [tuple(r) for r in warehouse.query(db, sql).values.tolist()]


def test_a_differently_named_file_is_another_portfolio(db: Path) -> None:
    load_one(db, "a", "P-1", "Uganda Portfolio.xlsx")
    other = load_one(db, "b", "P-2", "Uganda portfolio v2.xlsx")
    assert other["portfolio"] == "uganda portfolio v2"
    assert other["no_longer_current"] == 0
    assert current_ids(db) == [("P-1", 1), ("P-2", 2)]
    # The same name in other case and spacing is the same portfolio.
    same = load_one(db, "c", "P-3", "uganda  PORTFOLIO.XLSX")
    assert (same["portfolio"], same["no_longer_current"]) == ("uganda portfolio", 1)
    assert current_ids(db) == [("P-2", 2), ("P-3", 3)]


def test_a_named_portfolio_links_differently_named_files(db: Path) -> None:
    load_one(db, "a", "P-1", "uganda-2024.xlsx", portfolio="Uganda")
    newer = load_one(db, "b", "P-2", "uganda-2025.xlsx", portfolio="uganda")
    assert newer["no_longer_current"] == 1
    assert current_ids(db) == [("P-2", 2)]


def test_a_project_in_two_portfolios_is_current_once(db: Path) -> None:
    load_one(db, "a", "P-1", "desk-a.xlsx")
    load_one(db, "b", "P-1", "desk-b.xlsx")
    assert current_ids(db) == [("P-1", 2)]


def test_an_upload_that_loaded_nothing_supersedes_nothing(db: Path) -> None:
    load_one(db, "a", "P-1", "uganda.xlsx")
    projects = projects_frame([project("Bilateral", 2, "bilateral", "P-1")])
    findings = findings_frame([finding("number.invalid", "Bilateral", 2, "budget", "lots")])
    broken = warehouse.load_upload(
        db, upload_info("b", "uganda.xlsx"), rows_frame(projects, []), projects, findings
    )
    assert (broken["rows_loaded"], broken["rows_rejected"]) == (0, 1)
    assert broken["no_longer_current"] == 0
    assert current_ids(db) == [("P-1", 1)]


def test_a_warehouse_from_schema_5_gets_portfolios(db: Path, loaded: dict) -> None:
    """Uploads recorded before portfolios existed take theirs from the file name."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        # DuckDB cannot drop a column that foreign keys depend on: blank it instead.
        con.execute("UPDATE uploads SET portfolio = NULL")
        con.execute("DELETE FROM schema_version WHERE version > 5")
    newer = load_one(db, "b", "P-9", "Uganda_Portfolio_2025.xlsx")
    assert newer["no_longer_current"] == 2
    assert warehouse.query(db, "SELECT DISTINCT portfolio FROM uploads").values.tolist() == [
        ["uganda_portfolio_2025"]
    ]
    assert current_ids(db) == [("P-9", newer["upload_id"])]


@pytest.mark.parametrize(
    ("name", "portfolio"),
    [
        ("Uganda.xlsx", "uganda"),
        ("activities.xml.gz", "activities"),
        ("  Sudan   FY2025 .csv", "sudan fy2025"),
        ("report.v2.xlsx", "report.v2"),
        (".xlsx", ".xlsx"),  # a dot file has no extension
    ],
)
def test_portfolio_name(name: str, portfolio: str) -> None:
    assert warehouse.portfolio_name(name) == portfolio


def test_merged_rows_are_counted(db: Path) -> None:
    """CRS: two yearly lines of one project load as one row; the second line counts as merged.

    The reader keeps merged lines out of `rows` (they go to crs_lines) and says how many there
    were, so rows_read = rows + merged.
    """
    projects = projects_frame([
        project("crs_2023", 2, "bilateral", "2019000123", title="Women, peace and security",
                recipient_country="AFG", sector_code=15170, budget=2_000_000.0),
    ])  # fmt: skip
    rows = rows_frame(projects, [])
    result = warehouse.load_upload(
        db, upload_info("c"), rows, projects, findings_frame(), rows_merged=1
    )

    assert (result["rows_read"], result["rows_loaded"], result["rows_merged"]) == (2, 1, 1)


# --- atomicity and invariants -------------------------------------------------------------------


def break_budget(rows: pd.DataFrame, projects: pd.DataFrame, findings: pd.DataFrame):
    """A budget that is text: the INSERT into projects fails after uploads is written."""
    return rows, projects.astype({"budget": "string"}).assign(budget="about 3 million"), findings


def break_skipped_raw(rows: pd.DataFrame, projects: pd.DataFrame, findings: pd.DataFrame):
    """Raw that is not JSON on a skipped line: a later INSERT (skipped_rows) fails."""
    return (
        rows.assign(raw=rows["raw"].where(rows["skip_rule"].isna(), "{not json")),
        projects,
        findings,
    )


@pytest.mark.parametrize("breaker", [break_budget, break_skipped_raw])
def test_failure_mid_load_leaves_the_warehouse_as_it_was(db: Path, loaded: dict, breaker) -> None:
    before = table_counts(db)
    rows, projects, findings = breaker(*portfolio())

    with pytest.raises(WarehouseError, match="was not loaded; the warehouse is unchanged"):
        warehouse.load_upload(db, upload_info("b"), rows, projects, findings)

    assert table_counts(db) == before
    assert warehouse.find_duplicate(db, upload_info("b")) is None


def drop_a_project(rows, projects, findings):
    return rows, projects.iloc[1:], findings


def duplicate_a_row(rows, projects, findings):
    return pd.concat([rows, rows.iloc[:1]]), projects, findings


def project_from_a_skipped_line(rows, projects, findings):
    return rows, projects.assign(row_number=projects["row_number"].replace({5: 7})), findings


def error_on_no_project(rows, projects, findings):
    extra = findings_frame([finding("required.missing", "Bilateral", 99, "title", channel="x")])
    return rows, projects, pd.concat([findings, extra], ignore_index=True)


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (drop_a_project, "5 rows read but 4 accounted for"),
        (duplicate_a_row, "rows has sheet 'Bilateral' row 4 more than once"),
        (project_from_a_skipped_line, "row 7 is not a non-skipped row read"),
        (error_on_no_project, "row 99, which is no project row"),
    ],
)
def test_broken_invariants_raise_before_any_write(db: Path, breaker, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        warehouse.load_upload(db, upload_info("a"), *breaker(*portfolio()))
    assert not db.exists()


# --- refusals, status, queries -------------------------------------------------------------


def test_refusal_is_recorded_with_nothing_else(db: Path) -> None:
    message = rule("upload.password_protected").format(file_name="afghanistan.xlsx")

    refused = warehouse.record_refusal(
        db, upload_info("d", "afghanistan.xlsx"), "upload.password_protected", message
    )

    assert (refused["status"], refused["rule"], refused["message"]) == (
        "refused",
        "upload.password_protected",
        message,
    )
    assert refused["rows_read"] == 0 and refused["channel"] is None
    assert table_counts(db) | {"uploads": 0, "schema_version": 0} == dict.fromkeys(UPLOAD_TABLES, 0)
    assert warehouse.find_duplicate(db, upload_info("d")) is None


def test_recent_uploads_newest_first(db: Path, loaded: dict) -> None:
    warehouse.record_refusal(db, upload_info("e", "notes.docx"), "upload.not_a_workbook", "No.")
    recent = warehouse.recent_uploads(db)
    assert recent["file_name"].tolist() == ["notes.docx", "uganda_portfolio_2025.xlsx"]
    assert warehouse.recent_uploads(db, limit=1)["status"].tolist() == ["refused"]


def test_read_only_open_of_a_missing_warehouse_says_ingest_first(db: Path) -> None:
    with pytest.raises(WarehouseError, match="ingest a portfolio first"):
        warehouse.recent_uploads(db)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("INSERT INTO uploads (file_name) VALUES ('x')", "Queries are read-only"),
        ("DELETE FROM projects", "Queries are read-only"),
        ("COPY projects TO 'leak.csv'", "file system operations are disabled"),
        ("SET enable_external_access = true", "configuration has been locked"),
    ],
)
def test_query_cannot_write(db: Path, loaded: dict, sql: str, message: str) -> None:
    before = table_counts(db)
    with pytest.raises(WarehouseError, match=message):
        warehouse.query(db, sql)
    assert table_counts(db) == before


def test_lock_conflict_says_try_again(db: Path) -> None:
    with writing_elsewhere(db):
        with pytest.raises(WarehouseError, match="Another process is writing.*try again"):
            warehouse.query(db, "SELECT 1")
        with pytest.raises(WarehouseError, match="Another process has the warehouse.*try again"):
            warehouse.load_upload(db, upload_info("a"), *portfolio())
    assert warehouse.load_upload(db, upload_info("a"), *portfolio())["rows_loaded"] == 2


# --- the published snapshot ---------------------------------------------------------------------


def test_snapshot_reflects_each_load(db: Path, loaded: dict, tmp_path: Path) -> None:
    snapshot = tmp_path / "published" / "warehouse.duckdb"

    assert warehouse.publish_snapshot(db, snapshot) == snapshot
    assert table_counts(snapshot) == table_counts(db)
    projects = projects_frame([project("Bilateral", 2, "bilateral", "AFG-2025-03", budget=1.0)])
    warehouse.load_upload(
        db, upload_info("b", "another.xlsx"), rows_frame(projects, []), projects, findings_frame()
    )
    assert table_counts(snapshot)["uploads"] == 1  # unchanged until published again
    warehouse.publish_snapshot(db, snapshot)

    current = warehouse.query(snapshot, "SELECT project_id FROM projects_current ORDER BY 1")
    assert current["project_id"].tolist() == ["AFG-2024-07", "AFG-2025-03", "UGA-2025-01"]
    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["parts", "warehouse.duckdb"]
    documented = warehouse.query(snapshot, "SELECT count(comment) AS n FROM duckdb_columns()")
    assert documented["n"][0] > 50


def test_snapshot_is_read_while_a_flow_writes(db: Path, loaded: dict, tmp_path: Path) -> None:
    snapshot = warehouse.publish_snapshot(db, tmp_path / "published" / "warehouse.duckdb")

    with writing_elsewhere(db):
        assert warehouse.query(snapshot, "SELECT count(*) AS n FROM projects")["n"][0] == 2
        with pytest.raises(WarehouseError, match="Another process is writing"):
            warehouse.publish_snapshot(db, snapshot)

    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["parts", "warehouse.duckdb"]
    assert warehouse.query(snapshot, "SELECT count(*) AS n FROM uploads")["n"][0] == 1


def test_summary_pillars_counts_only_budgets_it_could_not_convert(db: Path) -> None:
    """budget_unconverted: projects with a budget and no rate for it; no budget is not one."""
    from screening.rescreen import screen_warehouse

    projects = projects_frame([
        project("Bilateral", 2, "bilateral", "P-DKK", title="Women mediators",
                recipient_country="UGA", budget=1_000_000.0, currency="DKK",
                start_date="2024-01-01"),
        project("Bilateral", 3, "bilateral", "P-NONE", title="Women mediators",
                recipient_country="UGA", start_date="2024-01-01"),
        project("Bilateral", 4, "bilateral", "P-ZZZ", title="Women mediators",
                recipient_country="UGA", budget=500.0, currency="ZZZ",
                start_date="2024-01-01"),
    ])  # fmt: skip
    warehouse.load_upload(db, upload_info("u"), rows_frame(projects, []), projects,
                          findings_frame())  # fmt: skip
    screen_warehouse(db)
    pillars = warehouse.query(
        db, "SELECT pillar, projects, budget_unconverted FROM summary_pillars ORDER BY pillar"
    )
    assert len(pillars) == 4 and (pillars["projects"] == 3).all()
    assert (pillars["budget_unconverted"] == 1).all()


def test_gender_shares_show_the_rubric_benchmarks(db: Path) -> None:
    from screening.rescreen import screen_warehouse
    from screening.rubric import load_rubric

    projects = projects_frame([
        project("Bilateral", 2, "bilateral", "P-1", title="Women mediators",
                recipient_country="UGA", budget=1_000_000.0, currency="DKK", sector_code=15220,
                start_date="2024-01-01"),
    ])  # fmt: skip
    warehouse.load_upload(db, upload_info("b"), rows_frame(projects, []), projects,
                          findings_frame())  # fmt: skip
    screen_warehouse(db)
    shares = warehouse.query(db, "SELECT * FROM summary_gender_shares").iloc[0]
    declared = {b["id"]: b["share"] for b in load_rubric().benchmarks}
    assert shares["dac_average_share_gender"] == declared["dac_gender_any"]
    assert shares["dac_average_share_principal"] == declared["dac_gender_principal"]
    assert shares["un_peacebuilding_target_principal"] == declared["un_peacebuilding_15"]
    assert shares["peacebuilding_share_principal"] is not None  # 15220 is peacebuilding

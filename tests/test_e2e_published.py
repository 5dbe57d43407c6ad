"""Published data (an OECD CRS extract, an IATI file) through the real ingest flow."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.test_published_pipeline import CRS_LINES, IATI, write_crs_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]


def _table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_crs_extract_merges_yearly_lines_and_keeps_them(ingest, tmp_path):
    summary = ingest(write_crs_workbook(tmp_path / "Testland.xlsx"))
    assert summary["status"] == "loaded"
    assert summary["rows_read"] == len(CRS_LINES)
    assert summary["rows_merged"] == 1  # the Kenya activity's two report years
    assert (
        summary["rows_loaded"]
        + summary["rows_rejected"]
        + summary["rows_skipped"]
        + summary["rows_merged"]
    ) == summary["rows_read"]
    assert _table(ingest.db, "SELECT count(*) FROM crs_lines") == [(len(CRS_LINES),)]
    kenya = _table(
        ingest.db,
        "SELECT budget, currency, source, title FROM projects WHERE recipient_country = 'KEN' "
        "AND NOT is_aggregate",
    )
    assert kenya == [(150000.0, "USD", "crs", "Women mediators in Kenya")]
    flags = dict(
        _table(
            ingest.db,
            "SELECT p.title, s.marker_flag FROM screening_current s "
            "JOIN projects p USING (upload_id, sheet, row_number)",
        )
    )
    assert flags["Aggregate activities"] == "not_screened"  # never guessed at
    assert flags["Women mediators in Kenya"] == "not_screened"  # the donor left it blank


def test_an_iati_file_loads_and_is_screened(ingest, tmp_path):
    path = tmp_path / "activities.xml"
    path.write_text(IATI, encoding="utf-8")
    summary = ingest(path)
    assert summary["status"] == "loaded", summary
    assert summary["rows_loaded"] >= 2
    rows = _table(
        ingest.db,
        "SELECT project_id, source, channel FROM projects WHERE project_id LIKE 'XX-PUB-%' "
        "ORDER BY 1",
    )
    assert rows[:2] == [("XX-PUB-1", "iati", "bilateral"), ("XX-PUB-2", "iati", "humanitarian")]
    screened = _table(ingest.db, "SELECT count(*) FROM screening_current")
    assert screened == [(summary["rows_loaded"],)]
    from faces.explain import explain_project

    explained = explain_project(ingest.db, "XX-PUB-2")
    assert explained.endswith(
        f"From upload {summary['upload_id']} (activities.xml), Activity 2 (XX-PUB-2)."
    )


def test_an_xml_bomb_is_refused_and_nothing_loads(ingest, tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><iati-activities>&lol2;</iati-activities>',
        encoding="utf-8",
    )
    summary = ingest(path)
    assert summary["status"] == "refused"
    assert _table(ingest.db, "SELECT rule FROM uploads") == [("upload.xml_unsafe",)]
    assert _table(ingest.db, "SELECT count(*) FROM projects") == [(0,)]


def test_explain_names_a_crs_text_line_as_its_findings_do(ingest):
    """A CRS text extract numbers lines, and findings say "Line N": so does explain."""
    from faces.explain import explain_project

    bulk = Path(__file__).parent / "fixtures" / "sources" / "crs_bulk.txt"
    summary = ingest(bulk)
    assert summary["status"] == "loaded", summary
    messages = [m for (m,) in _table(ingest.db, "SELECT message FROM findings")]
    assert any(m.startswith("Line ") for m in messages), messages
    explained = explain_project(ingest.db, "P001/285")
    assert explained.endswith(f"From upload {summary['upload_id']} (crs_bulk.txt), Line 4.")

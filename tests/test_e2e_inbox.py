"""The inbox folder and the refresh a schedule runs, through the real flows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.test_e2e_ingest import _messy_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]


def _table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_watch_once_ingests_and_files_away_what_was_dropped(prefect_harness, data_dir):
    from faces.cli import app

    inbox = data_dir / "inbox"
    inbox.mkdir()
    _messy_workbook(inbox / "sudan.xlsx")
    (inbox / "notes.xlsx").write_bytes(b"%PDF-1.4 minutes of the meeting")
    (inbox / "readme.txt").write_text("not a portfolio", encoding="utf-8")

    result = CliRunner().invoke(app, ["watch", "--once"])

    assert result.exit_code == 0, result.output
    assert "sudan.xlsx: upload" in result.output and "2 loaded" in result.output
    assert "notes.xlsx: refused." in result.output
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["readme.txt"]
    assert [p.name for p in (inbox / "processed").iterdir()] == ["sudan.xlsx"]
    refused = sorted(p.name for p in (inbox / "refused").iterdir())
    assert refused == ["notes.xlsx", "notes.xlsx.txt"]
    reason = (inbox / "refused" / "notes.xlsx.txt").read_text(encoding="utf-8")
    assert "is not an Excel workbook" in reason
    db = data_dir / "warehouse.duckdb"
    assert _table(db, "SELECT status FROM uploads ORDER BY upload_id") == [
        ("loaded",),
        ("refused",),
    ]


def test_refresh_rescreens_only_when_the_rubric_changed(ingest, tmp_path):
    from flows.inbox import refresh_warehouse

    ingest(_messy_workbook(tmp_path / "sudan.xlsx"))
    inbox = str(tmp_path / "inbox")
    assert refresh_warehouse(inbox, str(ingest.db))["rescreened"] is None

    # As after a rubric change: the stored results are another version's.
    with duckdb.connect(str(ingest.db)) as con:
        con.execute("UPDATE screening_results SET rubric_version = 'wps-older'")
    refreshed = refresh_warehouse(inbox, str(ingest.db))

    assert refreshed["rescreened"]["screened"] == 2
    versions = _table(ingest.db, "SELECT DISTINCT rubric_version FROM screening_current")
    assert versions == [(refreshed["rescreened"]["rubric_version"],)]


def test_an_upload_after_a_rubric_change_rescreens_the_other_projects(ingest, tmp_path):
    """The views show the current rubric's results: none of the earlier projects may vanish."""
    from openpyxl import Workbook

    from tests.test_e2e_ingest import HEADER, LONG

    ingest(_messy_workbook(tmp_path / "sudan.xlsx"))
    with duckdb.connect(str(ingest.db)) as con:  # as after a rubric change
        con.execute("UPDATE screening_results SET rubric_version = 'wps-older'")
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    ws.append(["2026-09", "Women mediators", LONG, "Mali", 15220, 100, "2026", "2027", "2", ""])
    wb.save(tmp_path / "mali.xlsx")

    summary = ingest(tmp_path / "mali.xlsx")

    assert summary["screening"]["screened"] == 3
    current = _table(ingest.db, "SELECT project_id FROM screening_current ORDER BY 1")
    assert current == [("2025-01",), ("2025-02",), ("2026-09",)]


def test_a_file_that_breaks_the_flow_is_put_aside_and_the_others_go_on(
    prefect_harness, data_dir, monkeypatch
):
    """A bug met on one file (here a reader crashing on it) neither stops `watch` nor makes
    the file, the oldest in the inbox, be tried again first on every round."""
    import os

    import screening.readers
    from faces.cli import app

    inbox = data_dir / "inbox"
    inbox.mkdir()
    bad = _messy_workbook(inbox / "broken.xlsx")
    os.utime(bad, (1, 1))  # the oldest: tried first
    _messy_workbook(inbox / "sudan.xlsx")
    read_portfolio = screening.readers.read_portfolio

    def crash_on_broken(path, file_name=None, kind=None):
        if file_name == "broken.xlsx":
            raise KeyError("a bug in a reader")
        return read_portfolio(path, file_name=file_name, kind=kind)

    monkeypatch.setattr(screening.readers, "read_portfolio", crash_on_broken)

    result = CliRunner().invoke(app, ["watch", "--once"])

    assert result.exit_code == 0, result.output
    assert "sudan.xlsx: upload" in result.output
    assert "broken.xlsx: refused." in result.output and "KeyError" in result.output
    assert not [p for p in inbox.iterdir() if p.is_file()]
    assert [p.name for p in (inbox / "processed").iterdir()] == ["sudan.xlsx"]
    assert sorted(p.name for p in (inbox / "refused").iterdir()) == [
        "broken.xlsx",
        "broken.xlsx.txt",
    ]

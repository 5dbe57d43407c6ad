"""The published snapshot: only what changed is written, and it always equals the warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from screening import snapshot, warehouse
from screening.errors import WarehouseError
from screening.rescreen import screen_warehouse
from screening.rules import findings_frame
from tests.test_warehouse import TABLES, VIEWS, portfolio, project, projects_frame, rows_frame
from tests.test_warehouse import upload_info as upload


def _publish(db: Path) -> Path:
    return warehouse.publish_snapshot(db, db.parent / "published" / db.name)


def _parts(snap: Path) -> list[str]:
    return sorted(p.name for p in (snap.parent / "parts").glob("*.duckdb"))


def _contents(db: Path) -> dict[str, list]:
    """Every table and view, rows sorted (what a reader can see)."""
    with warehouse.reader(db) as run:
        return {
            name: sorted(map(repr, run(f"SELECT * FROM {name}").itertuples(index=False)))
            for name in (*TABLES, *VIEWS)
        }


def _load_another(db: Path, sha: str, project_id: str, file_name: str) -> dict:
    projects = projects_frame(
        [project("Bilateral", 2, "bilateral", project_id, budget=1.0, description="Roads.")]
    )
    return warehouse.load_upload(
        db, upload(sha, file_name), rows_frame(projects, []), projects, findings_frame()
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    db = tmp_path / "data" / "warehouse.duckdb"
    first = warehouse.load_upload(db, upload("a"), *portfolio())
    screen_warehouse(db, first["upload_id"])
    return db


def test_publishing_writes_only_the_parts_that_changed(db: Path) -> None:
    snap = _publish(db)
    first = _parts(snap)
    assert len(first) == 1

    second = _load_another(db, "b", "KEN-1", "kenya.xlsx")
    screen_warehouse(db, second["upload_id"])
    _publish(db)
    after_second = _parts(snap)
    assert len(after_second) == 2 and first[0] in after_second  # upload 1's part kept
    assert _contents(snap) == _contents(db)

    screen_warehouse(db)  # every result written again: every part
    _publish(db)
    assert not set(_parts(snap)) & set(after_second)
    assert _contents(snap) == _contents(db)


def test_a_new_version_of_a_portfolio_changes_the_older_uploads_part(db: Path) -> None:
    snap = _publish(db)
    before = _parts(snap)
    newer = _load_another(db, "c", "UGA-2025-01", "uganda_portfolio_2025.xlsx")
    screen_warehouse(db, newer["upload_id"])  # the older version's results are removed
    _publish(db)
    assert before[0] not in _parts(snap)
    assert _contents(snap) == _contents(db)


def test_many_uploads_are_compacted_into_one_part(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "MAX_PARTS", 2)
    snap = _publish(db)
    for sha, pid in [("d", "KEN-1"), ("e", "KEN-2")]:
        _load_another(db, sha, pid, f"{pid}.xlsx")
        _publish(db)
    assert len(_parts(snap)) == 1
    assert _contents(snap) == _contents(db)

    # One upload of the compacted part changes: its rows come from its own part only.
    newer = _load_another(db, "f", "UGA-2025-01", "uganda_portfolio_2025.xlsx")
    screen_warehouse(db, newer["upload_id"])
    _publish(db)
    assert _contents(snap) == _contents(db)


def test_a_crash_before_the_swap_leaves_the_old_snapshot_whole(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = _publish(db)
    published = _contents(snap)
    _load_another(db, "b", "KEN-1", "kenya.xlsx")

    def crash(*_: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        _publish(db)
    assert _contents(snap) == published
    monkeypatch.undo()

    _publish(db)  # the next publish catches up, and the crashed one's part is gone
    assert _contents(snap) == _contents(db)
    assert len(_parts(snap)) == 2
    assert sorted(p.name for p in snap.parent.iterdir()) == ["parts", "warehouse.duckdb"]


def test_a_reader_keeps_its_state_while_a_new_snapshot_is_published(db: Path) -> None:
    snap = _publish(db)
    with warehouse.reader(snap) as run:
        before = run("SELECT count(*) AS n FROM screening_evidence")["n"][0]
        screen_warehouse(db)  # every part replaced, the old ones deleted
        _publish(db)
        assert run("SELECT count(*) AS n FROM screening_evidence")["n"][0] == before
        assert run("SELECT count(*) AS n FROM projects")["n"][0] == 2
    assert _contents(snap) == _contents(db)


def test_a_snapshot_from_before_parts_is_published_in_full(db: Path) -> None:
    snap = db.parent / "published" / db.name
    snap.parent.mkdir()
    with duckdb.connect(str(db), read_only=True) as con:  # as publish_snapshot used to
        con.execute(f"ATTACH '{snap}' AS old (READ_WRITE)")
        con.execute("COPY FROM DATABASE warehouse TO old")
    _publish(db)
    assert _contents(snap) == _contents(db)


def test_a_warehouse_with_nothing_loaded_is_published(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    warehouse.record_refusal(db, upload("r", "notes.pdf"), "upload.not_a_workbook", "Not one.")
    snap = _publish(db)
    assert _parts(snap) == []
    assert _contents(snap) == _contents(db)


def test_queries_on_the_snapshot_reach_no_file(db: Path) -> None:
    snap = _publish(db)
    part = snap.parent / "parts" / _parts(snap)[0]
    alias = snapshot._alias(part.name)
    for sql in (
        f"COPY (SELECT 1) TO '{snap.parent / 'parts' / 'x.csv'}'",
        f"DETACH {alias}; ATTACH '{part}' AS again (READ_WRITE); CREATE TABLE again.x (i INT)",
        f"ATTACH '{db}' AS warehouse2",
        f"SELECT * FROM read_csv('{db.parent / 'x.csv'}')",
        f"DROP TABLE {alias}.projects",
    ):
        with pytest.raises(WarehouseError):
            warehouse.query(snap, sql)
    assert len(list((snap.parent / "parts").iterdir())) == 2  # the part and the lock file
    with duckdb.connect(str(part), read_only=True) as con:
        assert "x" not in {row[0] for row in con.execute("SHOW TABLES").fetchall()}

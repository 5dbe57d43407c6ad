"""refresh-screening: the same results whether the warehouse is screened whole or in
partitions on a Dask cluster; and the inbox leaves a file still being copied."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "samples"

RESULTS_SQL = """
SELECT * EXCLUDE (screened_at) FROM screening_results ORDER BY upload_id, sheet, row_number
"""
EVIDENCE_SQL = "SELECT * FROM screening_evidence ORDER BY ALL"


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_partitions_on_dask_give_the_same_results_as_one_process(ingest):
    from flows.refresh import refresh_screening

    ingest(SAMPLES_DIR / "portfolio_multi_sheet.xlsx")
    ingest(SAMPLES_DIR / "multilateral_sudan_somalia.xlsx")
    db = str(ingest.db)
    whole = refresh_screening(db)
    results, evidence = _rows(ingest.db, RESULTS_SQL), _rows(ingest.db, EVIDENCE_SQL)

    split = refresh_screening(db, partition_rows=40)  # a LocalCluster, one worker per core

    assert (whole["partitions"], split["partitions"]) == (1, -(-whole["screened"] // 40))
    assert split["screened"] == whole["screened"] > 80 and len(evidence) > 0
    assert split["flags"] == whole["flags"]
    assert _rows(ingest.db, RESULTS_SQL) == results
    assert _rows(ingest.db, EVIDENCE_SQL) == evidence


def test_a_file_still_being_copied_waits_for_the_next_look(tmp_path):
    from flows.inbox import settled

    done = tmp_path / "done.xlsx"
    done.write_bytes(b"x" * 100)
    copying = tmp_path / "copying.xlsx"
    copying.write_bytes(b"x")

    def copy_on() -> None:
        for _ in range(10):
            time.sleep(0.05)
            with copying.open("ab") as out:
                out.write(b"x" * 1000)

    writer = threading.Thread(target=copy_on)
    writer.start()
    try:
        ready = settled([done, copying], seconds=0.3)
    finally:
        writer.join()

    assert ready == [done]
    assert settled([done, copying], seconds=0.1) == [done, copying]

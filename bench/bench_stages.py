"""Where an ingest's time goes: each stage of the flow timed in one process, on the bench workbook.

The stages run as the flow runs them (read → normalise → validate → load → screen → publish),
without Prefect, on a generated workbook (100,000 rows; quick 10,000), after Great
Expectations was imported and its suites built (their fixed cost is printed apart).

    python -m bench stages [--quick] [--rows N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench import generate


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench stages")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rows", type=int)
    args, _ = ap.parse_known_args(sys.argv[1:] if argv is None else argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    rows = args.rows or (10_000 if quick else 100_000)
    path = generate.workbook(rows)

    from screening import config, warehouse
    from screening.normalise import normalise
    from screening.readers import read_upload
    from screening.rescreen import screen_warehouse
    from screening.validate import validate, warm_up

    start, cpu = time.perf_counter(), time.process_time()
    warm_up()
    print(
        f"  Great Expectations imported, suites built: {time.perf_counter() - start:.1f} s "
        f"(CPU {time.process_time() - cpu:.1f} s)"
    )
    times: dict[str, float] = {}
    cpus: dict[str, float] = {}  # this process's threads; screening's forked workers not counted

    def timed(stage: str, func, *a, **kw):
        start, cpu = time.perf_counter(), time.process_time()
        out = func(*a, **kw)
        times[stage] = time.perf_counter() - start
        cpus[stage] = time.process_time() - cpu
        print(
            f"  {stage:<10} {times[stage]:7.2f} s  CPU {cpus[stage]:7.2f} s  "
            f"{rows / times[stage]:>10,.0f} rows/s  (peak RSS so far {_peak_mib():,.0f} MiB)",
            flush=True,
        )
        return out

    with tempfile.TemporaryDirectory(prefix="bench-stages-") as folder:
        db = Path(folder) / "warehouse.duckdb"
        upload = {"file_name": path.name, "sha256": "bench", "size_bytes": path.stat().st_size,
                  "archive_path": str(path), "uploaded_by": "bench"}  # fmt: skip
        read = timed("read", read_upload, path)
        kept = read.rows[read.rows["skip_rule"].isna()]
        projects, norm_findings = timed("normalise", normalise, kept)
        val_findings = timed("validate", validate, projects, norm_findings)
        import pandas as pd

        findings = pd.concat([read.findings, norm_findings, val_findings], ignore_index=True)
        summary = timed(
            "load", warehouse.load_upload, db, upload, read.rows, projects, findings,
            rows_merged=read.rows_merged,
        )  # fmt: skip
        timed("screen", screen_warehouse, db, summary["upload_id"])
        timed("publish", warehouse.publish_snapshot, db, config.published_path(db))
    total = sum(times.values())
    print(f"  CPU in this process: {sum(cpus.values()):.1f} s (screening's workers not counted)")
    print(
        f"  all stages {total:.1f} s, {rows / total:,.0f} rows/s; peak RSS {_peak_mib():,.0f} MiB"
    )

"""Ingest stages on a large generated workbook (rows per second, against openpyxl as baseline),
and validation's cost per call on many small frames beside its cost per row on the large one."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

ROWS = 50_000
SMALL_FRAMES, SMALL_ROWS = 200, 20  # many small uploads: validation's fixed cost per call
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
    "Status",
]
COUNTRIES = ["Uganda", "AFG", "Sudan", "Sydsudan", "so", "Mali", "DR Congo", "Myanmar"]


def _write(path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Bilateral")
    ws.append(["Portfolio FY2025"])
    ws.append([])
    ws.append(HEADER)
    for i in range(ROWS):
        ws.append(
            [
                f"P-{i}",
                f"Project {i}",
                "Supports women's participation in local peace committees and survivors of "
                "gender-based violence with legal aid, health and psychosocial services.",
                COUNTRIES[i % len(COUNTRIES)],
                15170 + (i % 3) * 10,
                "1.234.567,50" if i % 2 else 2500000,
                "DKK",
                "01-03-2024" if i % 2 else "2024-03-01",
                "marts 2026",
                str(i % 3),
                "igangværende",
            ]
        )
    wb.save(path)


def _timed(label: str, func, *args):
    start = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = ROWS / seconds
    print(f"  {label:<34} {seconds:7.2f} s  {rate:>10,.0f} rows/s  (peak RSS {peak:,.0f} MiB)")
    return result, seconds


def _validate_small(validate, projects, prior) -> float:
    """Time `validate` on SMALL_FRAMES frames of SMALL_ROWS rows: its cost per call."""
    frames = [projects.iloc[i * SMALL_ROWS : (i + 1) * SMALL_ROWS] for i in range(SMALL_FRAMES)]
    start = time.perf_counter()
    for frame in frames:
        validate(frame, prior)
    seconds = time.perf_counter() - start
    label = f"validate {SMALL_FRAMES} frames of {SMALL_ROWS} rows"
    print(f"  {label:<34} {seconds:7.2f} s  {seconds / SMALL_FRAMES * 1000:>10,.0f} ms per call")
    return seconds / SMALL_FRAMES


def _openpyxl_read(path: Path) -> int:
    wb = load_workbook(path, read_only=True, data_only=True)
    return sum(1 for _ in wb["Bilateral"].iter_rows(values_only=True))


def main() -> None:
    from screening.normalise import normalise
    from screening.readers import read_portfolio
    from screening.validate import validate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.xlsx"
        _write(path)
        print(f"  {ROWS:,} rows, {path.stat().st_size / 2**20:.1f} MiB")
        _, baseline = _timed("baseline: openpyxl read only", _openpyxl_read, path)
        read, read_s = _timed("read (calamine, header detection)", read_portfolio, path)
        rows = read.rows[read.rows["skip_rule"].isna()]
        (projects, prior), norm_s = _timed("normalise", normalise, rows)
        validate(projects.head(10), prior)  # GX import and context, timed apart from the work
        _, val_s = _timed("validate (GX suites)", validate, projects, prior)
        per_call = _validate_small(validate, projects, prior)
        per_row = val_s / ROWS
        print(
            f"  validate: {per_row * 1e6:,.1f} µs per row of the {ROWS:,}-row frame; a call on "
            f"{SMALL_ROWS} rows costs {per_call * 1000:,.0f} ms, of which about "
            f"{(per_call - SMALL_ROWS * per_row) * 1000:,.0f} ms is fixed"
        )
        total = read_s + norm_s + val_s
        print(f"  read is {baseline / read_s:.1f}x faster than the openpyxl baseline")
        print(f"  read + normalise + validate: {total:.2f} s, {ROWS / total:,.0f} rows/s")

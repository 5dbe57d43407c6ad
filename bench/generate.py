"""The benchmark's inputs, generated once and kept in data/bench/ (named by their size).

- a desk officer's workbook: 15 columns, descriptions of about 40 words (`workbook`);
- the same rows as a CSV file (`csv_file`);
- a warehouse of N projects loaded and screened, with their evidence (`warehouse`).

The texts come from `bench_screen.synthetic`, so nearly every description is distinct.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parents[1] / "data" / "bench"
# Bumped whenever what is generated changes, so stale files are not reused.
VERSION = 1
PUBLISHED_VERSION = 2  # bumped when what publishing writes changes

HEADER = [
    "Project ID", "Title", "Description", "Objectives", "Indicators", "Country", "DAC code",
    "Implementing partner", "Budget", "Currency", "Start date", "End date", "Gender marker",
    "Status", "Responsible unit",
]  # fmt: skip
OBJECTIVES = [
    "Women take part in local peace processes.",
    "Improved access to markets for rural producers.",
    "Survivors of gender-based violence receive timely support.",
    "Stronger public financial management.",
    "",
]
STATUSES = ["ongoing", "igangværende", "Completed", "planned"]
UNITS = ["AFR", "MENA", "HUMPOL", "GREEN", "ASIA"]


def portfolio_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """n portfolio rows with the columns of HEADER, as a desk officer's workbook has them."""
    from bench.bench_screen import synthetic

    projects = synthetic(n, seed)
    rng = np.random.default_rng(seed)
    budget = rng.integers(100_000, 50_000_000, n)
    start_year = rng.integers(2015, 2026, n)
    months = rng.integers(1, 13, n)
    # About 40 words: the synthetic descriptions run from 20 to 90; keep up to 45.
    words = projects["description"].str.split(" ")
    description = words.map(lambda w: " ".join(w[:45]))
    return pd.DataFrame(
        {
            "Project ID": [f"BEN-{i:07d}" for i in range(n)],
            "Title": projects["title"].astype(object),
            "Description": description.astype(object),
            "Objectives": np.array(OBJECTIVES, dtype=object)[rng.integers(0, 5, n)],
            "Indicators": projects["indicators"].astype(object),
            "Country": projects["recipient_country"].astype(object),
            "DAC code": projects["sector_code"].astype("int64"),
            "Implementing partner": np.array(["UNDP", "UN Women", "NRC", "Local NGO"], object)[
                rng.integers(0, 4, n)
            ],
            "Budget": budget,
            "Currency": np.array(["DKK", "USD", "EUR"], dtype=object)[rng.integers(0, 3, n)],
            "Start date": [f"{y}-{m:02d}-01" for y, m in zip(start_year, months, strict=True)],
            "End date": [f"{y + 3}-{m:02d}-28" for y, m in zip(start_year, months, strict=True)],
            "Gender marker": projects["gender_marker"].astype("int64"),
            "Status": np.array(STATUSES, dtype=object)[rng.integers(0, len(STATUSES), n)],
            "Responsible unit": np.array(UNITS, dtype=object)[rng.integers(0, len(UNITS), n)],
        }
    )


def _cached(name: str, build) -> Path:
    """`data/bench/<name>`, built by `build(path)` unless already there."""
    path = CACHE / f"v{VERSION}-{name}"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        build(tmp)
        tmp.rename(path)
    return path


def workbook(n: int) -> Path:
    """A workbook of n projects on a sheet named Bilateral, under a title line."""

    def build(path: Path) -> None:
        from openpyxl import Workbook

        frame = portfolio_frame(n)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Bilateral")
        sheet.append(["Portfolio FY2025, Department for Peace and Stabilisation"])
        sheet.append([])
        sheet.append(HEADER)
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        book.save(path)

    return _cached(f"portfolio-{n}.xlsx", build)


def csv_file(n: int) -> Path:
    """The same rows as a comma-separated file with a header line."""

    def build(path: Path) -> None:
        chunk = 200_000
        with open(path, "w", encoding="utf-8", newline="") as out:
            for i, start in enumerate(range(0, n, chunk)):
                frame = portfolio_frame(min(chunk, n - start), seed=start + 1)
                frame["Project ID"] = [f"CSV-{j:07d}" for j in range(start, start + len(frame))]
                frame.to_csv(out, index=False, header=i == 0)

    return _cached(f"portfolio-{n}.csv", build)


def warehouse(n: int) -> Path:
    """A warehouse holding n current projects (one upload), screened, with their evidence,
    and its published snapshot beside it (data/bench/v1-warehouse-N/warehouse.duckdb)."""

    def build(folder: Path) -> None:
        from bench.bench_screen import synthetic
        from screening import warehouse
        from screening.normalise import PROJECT_COLUMNS
        from screening.rescreen import screen_warehouse
        from screening.rules import findings_frame

        folder.mkdir(parents=True)
        db = folder / "warehouse.duckdb"
        projects = synthetic(n)
        for column in PROJECT_COLUMNS:
            if column not in projects:
                projects[column] = pd.Series(pd.NA, index=projects.index, dtype="string")
        projects["sheet"] = "Bilateral"
        projects["channel"] = "bilateral"
        projects["source"] = "workbook"
        projects["is_aggregate"] = False
        projects["budget"] = pd.array(np.full(n, 1_000_000.0), dtype="Float64")
        projects["currency"] = "DKK"
        for column in ("start_date", "end_date"):
            projects[column] = pd.Series(pd.Timestamp("2024-01-01"), index=projects.index)
        projects["description_words"] = projects["description"].str.count(" ").astype("Int64") + 1
        projects["raw"] = "{}"
        rows = projects[["sheet", "row_number", "raw"]].assign(
            skip_rule=pd.Series(pd.NA, index=projects.index, dtype="string")
        )
        upload = {
            "file_name": f"warehouse-{n}.xlsx",
            "sha256": f"bench-{n}",
            "size_bytes": 0,
            "archive_path": None,
            "uploaded_by": "bench",
        }
        warehouse.load_upload(db, upload, rows, projects[PROJECT_COLUMNS], findings_frame())
        del projects, rows
        screen_warehouse(db)

    db = _cached(f"warehouse-{n}", build) / "warehouse.duckdb"
    # Published apart, so that a change to publishing does not mean screening again.
    marker = db.parent / f"published-{PUBLISHED_VERSION}"
    if not marker.exists():
        from screening import config, warehouse

        shutil.rmtree(config.published_path(db).parent, ignore_errors=True)
        warehouse.publish_snapshot(db, config.published_path(db))
        marker.touch()
    return db


def copy_warehouse(source: Path, data_dir: Path) -> Path:
    """A copy of a generated warehouse (and its snapshot) as `data_dir`'s warehouse."""
    shutil.copytree(source.parent, data_dir, dirs_exist_ok=True)
    return data_dir / source.name

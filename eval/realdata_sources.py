"""Read every CRS extract and IATI file in ../shared/realdata in place and report per publisher.

    .venv/bin/python eval/realdata_sources.py [REALDATA] [--big]

Prints, per publisher (CRS: donor; IATI: reporting organisation): activities read, lines
merged, aggregates, and the distribution of the donor's gender marker (0/1/2, blank, other).
Also the time each reader took, and with `--big` the peak Python memory of reading a
generated ~100 MB IATI file (tracemalloc), which the test suite only checks for success.
The lead will extend this with validation and screening agreement.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from screening.errors import UploadRefused  # noqa: E402
from screening.sources.crs import read_crs, sniff_crs  # noqa: E402
from screening.sources.iati import looks_like_iati, read_iati  # noqa: E402

DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"
MARKERS = ("0", "1", "2", "blank", "other")


def _marker(value: object) -> str:
    if pd.isna(value):
        return "blank"
    text = str(value)
    return text if text in ("0", "1", "2") else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("realdata", nargs="?", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--big", action="store_true", help="measure a generated ~100 MB IATI file")
    args = parser.parse_args()
    stats: dict[tuple[str, str], Counter] = defaultdict(Counter)
    timings: Counter = Counter()
    refused: list[str] = []

    for path in sorted((args.realdata / "crs").glob("*")):
        if not sniff_crs(path):
            refused.append(f"{path.name}: not a CRS extract")
            continue
        started = time.perf_counter()
        result = read_crs(path)
        timings["crs"] += time.perf_counter() - started
        projects = result.rows[result.rows["skip_rule"].isna()]
        for row in projects.itertuples():
            extra = json.loads(row.extra)
            donor = extra.get("donorname") or path.stem
            s = stats[("crs", donor)]
            s["read"] += len(extra["crs"]["rows"])
            s["projects"] += 1
            s["merged"] += len(extra["crs"]["rows"]) - 1
            s["aggregates"] += bool(row.is_aggregate)
            s[_marker(row.gender_marker)] += 1

    for path in sorted((args.realdata / "iati").rglob("*")):
        if not path.is_file():
            continue
        if not looks_like_iati(path):
            refused.append(f"{path.name}: not an IATI activity file")
            continue
        started = time.perf_counter()
        try:
            result = read_iati(path)
        except UploadRefused as exc:
            refused.append(f"{path.name}: {exc}")
            continue
        timings["iati"] += time.perf_counter() - started
        timings["iati_files"] += 1
        for row in result.rows.itertuples():
            extra = json.loads(row.extra)
            publisher = extra.get("reporting_org_ref") or extra.get("reporting_org") or "?"
            s = stats[("iati", publisher)]
            s["read"] += 1
            s["projects"] += 1
            s[_marker(row.gender_marker)] += 1

    header = (
        f"{'source':5} {'publisher':42} {'read':>6} {'projects':>8} {'merged':>6} {'aggr':>5} "
        + " ".join(f"{m:>6}" for m in MARKERS)
    )
    print(header)
    print("-" * len(header))
    totals: Counter = Counter()
    for (source, publisher), s in sorted(stats.items(), key=lambda kv: (kv[0][0], -kv[1]["read"])):
        totals.update(s)
        print(
            f"{source:5} {publisher[:42]:42} {s['read']:>6} {s['projects']:>8} {s['merged']:>6} "
            f"{s['aggregates']:>5} " + " ".join(f"{s[m]:>6}" for m in MARKERS)
        )
    print("-" * len(header))
    print(
        f"{'all':5} {f'{len(stats)} publishers':42} {totals['read']:>6} {totals['projects']:>8} "
        f"{totals['merged']:>6} {totals['aggregates']:>5} "
        + " ".join(f"{totals[m]:>6}" for m in MARKERS)
    )
    print(
        f"\nCRS read in {timings['crs']:.2f} s; "
        f"{int(timings['iati_files'])} IATI files in {timings['iati']:.2f} s"
    )
    for line in refused:
        print(f"not read: {line}")
    if args.big:
        _big()


def _big() -> None:
    """Peak Python memory of streaming a generated ~100 MB IATI file."""
    fixture = ROOT / "tests" / "fixtures" / "sources" / "iati_v203.xml"
    text = fixture.read_text(encoding="utf-8")
    head, rest = text.split("<iati-activity ", 1)
    body = "<iati-activity " + rest.rsplit("</iati-activities>", 1)[0]
    copies = 100 * 1024 * 1024 // len(body.encode()) + 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xml"
        with path.open("w", encoding="utf-8") as f:
            f.write(head)
            for _ in range(copies):
                f.write(body)
            f.write("</iati-activities>\n")
        size = path.stat().st_size
        started = time.perf_counter()
        result = read_iati(path)
        seconds = time.perf_counter() - started
        tracemalloc.start()  # a second read: tracemalloc slows Python several times over
        read_iati(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        f"\n--big: {size / 2**20:.0f} MB, {len(result.rows)} activities in {seconds:.1f} s; "
        f"peak Python memory {peak / 2**20:.0f} MB (the rows frame itself included)"
    )


if __name__ == "__main__":
    main()

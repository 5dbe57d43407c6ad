"""Ingest every CRS extract and IATI file in ../shared/realdata and report per publisher.

    .venv/bin/python eval/realdata_sources.py [REALDATA] [--top N] [--big]

The evaluation of issue 4. Every file under REALDATA/crs and REALDATA/iati (read in place,
never copied) goes through the pipeline's library stages, as an upload would without Prefect
and the warehouse: `read_upload` -> `normalise` (rows not skipped) -> `validate` -> `screen`
(the loaded projects only). A project with an error finding from any stage is rejected,
as `warehouse.load_upload` does. Then, per publisher (CRS: the donor; IATI: the reporting
organisation) and pooled:

Publishers with fewer than `--min` lines read (default 20) are pooled in one line.

- read: lines read (CRS: yearly lines; IATI: activities), merged: lines merged into another
  line's project, loaded / rejected / skipped projects (read = loaded + merged + rejected +
  skipped), aggr: CRS bulk lines among the loaded, top: the commonest rejection rules
  (a project rejected by two rules counts for both; `required.missing` with its column);
- claim: loaded projects with a donor DAC gender marker (0-2), the ones compared;
- exact: share of them where the screening's `marker_assessed` equals the donor's marker;
  y/n: share where "claimed >= 1" agrees with "assessed >= 1";
- over / under: share of them flagged overclaimed / underclaimed.

Also the time of each stage. With `--big`, the peak Python memory of reading a generated
~100 MB IATI file (tracemalloc). Skips with a message when REALDATA is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from screening.errors import UploadRefused  # noqa: E402
from screening.normalise import normalise  # noqa: E402
from screening.readers import read_upload  # noqa: E402
from screening.readers.iati import read_iati  # noqa: E402
from screening.screen import screen  # noqa: E402
from screening.validate import validate  # noqa: E402

DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"
KEY = ["sheet", "row_number"]
IATI_SUFFIXES = (".xml", ".xml.gz", ".gz")  # iati/ also holds manifests; those are not uploads


def publisher_of(source: str, extra: dict, fallback: str) -> str:
    """CRS: the donor's name; IATI: the reporting organisation's ref and name."""
    if source == "crs":
        return str(extra.get("donorname") or fallback)
    ref, name = extra.get("reporting_org_ref"), extra.get("reporting_org")
    if ref and name and name != ref:
        return f"{ref} {name}"
    return str(ref or name or fallback)


def lines_of(source: str, extra: dict) -> int:
    """How many original lines a project row stands for (CRS yearly lines; else one)."""
    if source == "crs":
        return len(extra.get("crs", {}).get("rows", [])) or 1
    return 1


def ingest(path: Path, timings: Counter) -> tuple[pd.DataFrame, pd.DataFrame] | str:
    """One file through read, normalise and validate: (project rows, loaded projects).

    The project rows frame has one row per read row with publisher, lines, status
    (loaded / rejected / skipped) and the rejection rules; a refused file gives its reason.
    """
    started = time.perf_counter()
    try:
        result = read_upload(path)
    except UploadRefused as exc:
        return str(exc)
    timings["read"] += time.perf_counter() - started
    rows = result.rows
    started = time.perf_counter()
    kept = rows[rows["skip_rule"].isna()]
    projects, norm_findings = normalise(kept)
    timings["normalise"] += time.perf_counter() - started
    started = time.perf_counter()
    val_findings = validate(projects, norm_findings)
    timings["validate"] += time.perf_counter() - started

    findings = pd.concat([result.findings, norm_findings, val_findings], ignore_index=True)
    errors = findings[findings["severity"] == "error"]
    label = errors["rule"].where(
        ~errors["rule"].str.startswith("required."), errors["rule"] + " " + errors["column_name"]
    )
    rules = label.groupby([errors[k] for k in KEY]).agg(lambda r: sorted(set(r))).to_dict()

    records = []
    for row in rows.itertuples(index=False):
        extra = json.loads(row.extra) if isinstance(row.extra, str) and row.extra else {}
        key = (row.sheet, row.row_number)
        if isinstance(row.skip_rule, str):
            status = "skipped"
        elif key in rules:
            status = "rejected"
        else:
            status = "loaded"
        records.append(
            {
                "sheet": row.sheet,
                "row_number": row.row_number,
                "source": result.source,
                "publisher": publisher_of(result.source, extra, path.stem),
                "lines": lines_of(result.source, extra),
                "status": status,
                "rules": rules.get(key, []),
                "aggregate": bool(row.is_aggregate) if pd.notna(row.is_aggregate) else False,
            }
        )
    table = pd.DataFrame.from_records(records)
    loaded_keys = table.loc[table["status"] == "loaded", KEY]
    loaded = projects.merge(loaded_keys, on=KEY, how="inner")
    loaded["publisher"] = loaded.merge(table[[*KEY, "publisher"]], on=KEY, how="left")[
        "publisher"
    ].to_numpy()
    return table, loaded


def agreement(results: pd.DataFrame) -> dict[str, float]:
    """Exact and yes/no agreement and flag shares over projects with a claimed DAC marker."""
    claimed = results["marker_claimed"].astype("Int64")
    assessed = results["marker_assessed"].astype("Int64")
    both = claimed.notna() & assessed.notna()
    c, a = claimed[both], assessed[both]
    n = int(both.sum())
    flag = results.loc[both, "marker_flag"]
    share = (lambda mask: float(mask.mean())) if n else (lambda mask: float("nan"))
    return {
        "claim": n,
        "exact": share(a == c),
        "yesno": share((a >= 1) == (c >= 1)),
        "over": share(flag == "overclaimed"),
        "under": share(flag == "underclaimed"),
    }


def summarise(table: pd.DataFrame, results: pd.DataFrame, top: int) -> dict:
    merged = int((table["lines"] - 1).clip(lower=0).sum())
    rejected = table[table["status"] == "rejected"]
    rules = Counter(r for rs in rejected["rules"] for r in rs)
    loaded = table["status"] == "loaded"
    return {
        "read": int(table["lines"].sum()),
        "merged": merged,
        "loaded": int(loaded.sum()),
        "rejected": len(rejected),
        "skipped": int((table["status"] == "skipped").sum()),
        "aggr": int((loaded & table["aggregate"]).sum()),
        "top": ", ".join(f"{r} {n}" for r, n in rules.most_common(top)),
        **agreement(results),
    }


def pct(value: float) -> str:
    return "   -" if value != value else f"{100 * value:3.0f}%"


def print_table(stats: list[tuple[str, str, dict]]) -> None:
    header = (
        f"{'src':4} {'publisher':40} {'read':>6} {'merged':>6} {'loaded':>6} {'rejected':>8} "
        f"{'skip':>4} {'aggr':>4} {'claim':>5} {'exact':>5} {'y/n':>4} {'over':>4} {'under':>5}"
        "  top rejection rules"
    )
    print(header)
    print("-" * len(header))
    for source, publisher, s in stats:
        if source == "all":
            print("-" * len(header))
        print(
            f"{source:4} {publisher[:40]:40} {s['read']:>6} {s['merged']:>6} {s['loaded']:>6} "
            f"{s['rejected']:>8} {s['skipped']:>4} {s['aggr']:>4} {s['claim']:>5} "
            f"{pct(s['exact']):>5} {pct(s['yesno']):>4} {pct(s['over']):>4} {pct(s['under']):>5}"
            f"  {s['top']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "realdata",
        nargs="?",
        type=Path,
        default=DEFAULT_REALDATA,
        help=f"folder with crs/ and iati/ (default {DEFAULT_REALDATA})",
    )
    parser.add_argument("--top", type=int, default=3, help="rejection rules shown per publisher")
    parser.add_argument(
        "--min", type=int, default=20, help="publishers with fewer lines read go in 'other'"
    )
    parser.add_argument("--big", action="store_true", help="measure a generated ~100 MB IATI file")
    args = parser.parse_args(argv)
    if not args.realdata.is_dir():
        print(f"skipped: {args.realdata} is not there (the real data is not in this checkout)")
        return 0

    begun = time.perf_counter()
    timings: Counter = Counter()
    tables, loaded, refused = [], [], []
    files = sorted(p for p in (args.realdata / "crs").rglob("*") if p.is_file()) + sorted(
        p
        for p in (args.realdata / "iati").rglob("*")
        if p.is_file() and p.name.lower().endswith(IATI_SUFFIXES)
    )
    for path in files:
        out = ingest(path, timings)
        if isinstance(out, str):
            refused.append(f"{path.relative_to(args.realdata)}: {out}")
            continue
        table, projects = out
        table["file"] = str(path.relative_to(args.realdata))
        tables.append(table)
        loaded.append(projects)
    table = pd.concat(tables, ignore_index=True)
    projects = pd.concat(loaded, ignore_index=True)
    # Keys must be unique across files for the screen's pass-through columns: number rows.
    projects["sheet"] = projects["sheet"].astype("string")
    started = time.perf_counter()
    results, _ = screen(projects, with_context=False)
    timings["screen"] += time.perf_counter() - started
    results["publisher"] = projects["publisher"].to_numpy()
    results["source"] = projects["source"].to_numpy()

    publishers = table.groupby("source")["publisher"].nunique()
    small = table.groupby("publisher")["lines"].sum() < args.min
    table.loc[table["publisher"].map(small), "publisher"] = "other (small publishers)"
    results.loc[results["publisher"].map(small).fillna(False), "publisher"] = (
        "other (small publishers)"
    )
    stats = []
    for (source, publisher), group in table.groupby(["source", "publisher"]):
        res = results[(results["source"] == source) & (results["publisher"] == publisher)]
        stats.append((source, publisher, summarise(group, res, args.top)))
    stats.sort(key=lambda s: (s[0], -s[2]["read"]))
    for source in sorted(table["source"].unique()):
        part = table[table["source"] == source]
        res = results[results["source"] == source]
        n = publishers[source]
        stats.append(("all", f"{source}: {n} publishers", summarise(part, res, args.top)))
    stats.append(("all", "pooled", summarise(table, results, args.top)))
    print_table(stats)
    for source in sorted(table["source"].unique()):
        rejected = table[(table["source"] == source) & (table["status"] == "rejected")]
        rules = Counter(r for rs in rejected["rules"] for r in rs)
        print(
            f"\n{source}: {len(rejected)} projects rejected; by rule: "
            + (", ".join(f"{r} {n}" for r, n in rules.most_common()) or "none")
        )

    total = time.perf_counter() - begun
    print(
        f"\n{len(tables)} files ingested ({len(refused)} refused) in {total:.1f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )
    for line in refused:
        print(f"refused: {line}")
    if args.big:
        _big()
    return 0


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
    sys.exit(main())

"""Screen 1M synthetic projects and print projects per second (prints, never asserts).

The projects are generated in memory from varied templates (with made-up places, partners and
numbers, so nearly every description is distinct; the share of distinct texts per field is
printed, since the screen folds and scans each distinct text once): WPS projects, gender projects
outside conflict, boilerplate, PSEA clauses, beneficiary lists, Danish and French texts, short
texts. A naive baseline (pandas ``str.contains`` with one regex per rubric term on a sample)
is timed in the same run, so the ratio is measured on this machine, not remembered.

    .venv/bin/python bench/bench_screen.py [N] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening.rubric import load_rubric  # noqa: E402
from screening.screen import screen  # noqa: E402
from screening.textmatch import fold_array, fold_text  # noqa: E402

TITLES = [
    "Support to women's participation in the {c} peace process",
    "Rural roads rehabilitation in {c}",
    "GBV prevention and response for displaced women in {c}",
    "Water, sanitation and hygiene for returnees",
    "Programme d'appui à la participation politique des femmes au {c}",
    "Støtte til kvinders deltagelse i fredsopbygning i {c}",
    "Strengthening public financial management",
    "Humanitarian food assistance",
    "Gender equality and women's economic empowerment",
    "Security sector reform programme",
]
SENTENCES = [
    "The programme supports women mediators and women's organisations to take part in local peace "
    "committees.",
    "Gender will be mainstreamed as a cross-cutting issue.",
    "All partners must sign the code of conduct on prevention of sexual exploitation and abuse.",
    "The project will benefit vulnerable groups such as women and youth.",
    "No gender analysis has been carried out for this intervention.",
    "A gender analysis informed the design and 40% of participants will be women.",
    "Survivors of sexual violence receive medical, legal and psychosocial support at one-stop "
    "centres.",
    "Le projet renforce la prise en charge des survivantes de violences basées sur le genre.",
    "Projektet styrker indsatsen mod kønsbaseret vold i flygtningelejre.",
    "The road will connect farmers to markets and reduce transport costs.",
    "Capacity of the ministry of finance to plan and execute the budget will be strengthened.",
    "Cash transfers are provided to female-headed households affected by the conflict.",
    "Dignity kits and menstrual hygiene supplies are distributed in IDP camps.",
    "The police academy trains officers in community policing.",
    "Indicators will be disaggregated by sex and age.",
]
INDICATORS = [
    "Number of women trained as mediators",
    "% of beneficiaries who are female",
    "Km of road rehabilitated",
    "Number of GBV survivors receiving services, disaggregated by age",
    "",
]
COUNTRIES = ["AFG", "MLI", "SOM", "UGA", "KEN", "VNM", "BOL", "SDN", "UKR", "COD", "GHA", "IDN"]
COUNTRY_NAMES = [
    "Afghanistan", "Mali", "Somalia", "Uganda", "Kenya", "Viet Nam", "Bolivia", "Sudan",
    "Ukraine", "DR Congo", "Ghana", "Indonesia",
]  # fmt: skip
# Place and partner names are built from syllables, so there are thousands of each.
SYLLABLES = ["ka", "lo", "ma", "ri", "to", "ben", "dur", "sa", "gu", "mbo", "ki", "na", "zo", "har"]
PLACE_KIND = ["district", "province", "region", "county", "municipality", "camp"]
PARTNER_KIND = [
    "Women's Network", "Development Trust", "Relief Committee", "Peace Initiative",
    "Foundation", "Cooperative Union", "Legal Aid Centre",
]  # fmt: skip
DETAILS = [  # pieces: literal text, or a slot filled per project
    ["Activities take place in ", "place", " ", "kind", " and reach about ", "n", " ", "unit", "."],
    ["The project is implemented with ", "partner", " in ", "place", " ", "kind", "."],
    ["In ", "place", " ", "kind", ", ", "n", " ", "unit", " will take part, with ", "partner",
     " as the lead partner."],
    ["partner", " works with local authorities in ", "place", " ", "kind", " (", "n", " ", "unit",
     ")."],
]  # fmt: skip
UNITS = ["households", "people", "women", "young people", "farmers", "students", "families"]


def _pick(rng: np.random.Generator, options: list[str], n: int) -> pa.Array:
    return pa.array(np.array(options, dtype=object)[rng.integers(0, len(options), n)], pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate columns and literals row by row (one Arrow kernel)."""
    return pc.binary_join_element_wise(*parts, "")


def _names(rng: np.random.Generator, n: int, parts: int) -> pa.Array:
    """Made-up proper names: ``parts`` syllables, capitalised."""
    return pc.utf8_capitalize(_join(*(_pick(rng, SYLLABLES, n) for _ in range(parts))))


def _choose(rng: np.random.Generator, options: list[pa.Array]) -> pa.Array:
    """Row by row, one of several columns of equal length."""
    which = rng.integers(0, len(options), len(options[0]))
    out = options[0]
    for i, col in enumerate(options[1:], start=1):
        out = pc.if_else(pa.array(which == i), col, out)
    return out


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """n projects from the templates above, vectorised (Arrow string kernels on whole columns).

    Real portfolios repeat titles and some boilerplate but rarely whole descriptions, so every
    description carries a detail sentence (made-up place and partner, a number; at the start or
    the end) and the template sentences come in random order: well over 90% of descriptions are
    distinct. Titles name one of a dozen countries and repeat far more, as CRS titles do.
    """
    rng = np.random.default_rng(seed)
    ci = rng.integers(0, len(COUNTRIES), n)
    country = np.array(COUNTRIES, dtype=object)[ci]
    cname = pa.array(np.array(COUNTRY_NAMES, dtype=object)[ci], pa.string())
    ti = rng.integers(0, len(TITLES), n)
    head = np.array([t.split("{c}")[0] for t in TITLES], dtype=object)
    tail = np.array([t.split("{c}")[1] if "{c}" in t else "" for t in TITLES], dtype=object)
    has_c = pa.array(np.array(["{c}" in t for t in TITLES])[ti])
    title = _join(
        pa.array(head[ti], pa.string()),
        pc.if_else(has_c, cname, ""),
        pa.array(tail[ti], pa.string()),
    )
    phase = pa.array(rng.integers(1, 4, n).astype(str).astype(object), pa.string())
    title = pc.if_else(pa.array(rng.random(n) < 0.3), _join(title, ", phase ", phase), title)
    sent = np.array(SENTENCES, dtype=object)
    k = rng.integers(1, 6, n)
    desc = pa.array(sent[rng.integers(0, len(sent), n)], pa.string())
    for j in range(1, 5):
        nxt = pa.array(sent[rng.integers(0, len(sent), n)], pa.string())
        desc = pc.if_else(pa.array(k > j), _join(desc, " ", nxt), desc)
    slots = {
        "place": _names(rng, n, 3),
        "kind": _pick(rng, PLACE_KIND, n),
        "n": pa.array(rng.integers(50, 20_000, n).astype(str).astype(object), pa.string()),
        "unit": _pick(rng, UNITS, n),
        "partner": _join(_names(rng, n, 2), " ", _pick(rng, PARTNER_KIND, n)),
    }
    detail = _choose(rng, [_join(*(slots.get(p, p) for p in d)) for d in DETAILS])
    desc = pc.if_else(
        pa.array(rng.random(n) < 0.5), _join(detail, " ", desc), _join(desc, " ", detail)
    )
    ind = _pick(rng, INDICATORS, n)
    channel = np.array(["bilateral", "multilateral", "humanitarian"], dtype=object)[
        rng.integers(0, 3, n)
    ]
    return pd.DataFrame(
        {
            "sheet": "bench",
            "row_number": pd.array(np.arange(2, n + 2), dtype="Int64"),
            "project_id": pd.Series(np.arange(n), dtype="string").radd("B-"),
            "channel": pd.Series(channel, dtype="string"),
            "title": pd.Series(pd.array(title, dtype="string[pyarrow]")),
            "description": pd.Series(pd.array(desc, dtype="string[pyarrow]")),
            "objectives": pd.Series(pd.NA, index=range(n), dtype="string"),
            "indicators": pd.Series(pd.array(ind, dtype="string[pyarrow]")),
            "recipient_country": pd.Series(country, dtype="string"),
            "sector_code": pd.array(
                rng.choice([15220, 21020, 72010, 15170, 13020, 15180, 15130], n), dtype="Int64"
            ),
            "partner": pd.Series(pd.NA, index=range(n), dtype="string"),
            "gender_marker": pd.array(rng.integers(0, 3, n), dtype="Int64"),
            "gam_code": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        }
    )


def distinct_shares(projects: pd.DataFrame) -> str:
    """Share of distinct texts per text field (NA counts as one text), and of distinct
    sentences among the distinct descriptions of a sample, for the record: the screen folds
    each distinct text once and scans each distinct sentence once."""
    out = []
    for name in ("title", "description", "objectives", "indicators", "partner"):
        if name in projects:
            col = projects[name]
            k = col.nunique(dropna=False)
            out.append(f"{name} {k / max(len(col), 1):.1%} ({k:,})")
    sample = projects["description"].head(SENTENCE_SAMPLE).drop_duplicates()
    sentences = fold_array(pa.array(sample, type=pa.large_string(), from_pandas=True)).sentences
    # Each row's closing space is a piece of its own: not a sentence.
    real = np.diff(sentences.distinct.offsets) > 2
    k, of = int(real.sum()), int(real[sentences.which].sum())
    out.append(
        f"description sentences {k / of:.1%} distinct ({k:,} of {of:,}, first {len(sample):,})"
    )
    return ", ".join(out)


SENTENCE_SAMPLE = 200_000


def one_sentence_each(projects: pd.DataFrame) -> pd.DataFrame:
    """The worst case for the sentence scan: every description one sentence, none repeated
    (sentence marks turned into commas)."""
    out = projects.copy()
    desc = pa.array(out["description"], from_pandas=True)
    out["description"] = pd.Series(
        pd.array(pc.replace_substring_regex(desc, r"[.;!?]", ","), dtype="string[pyarrow]")
    )
    return out


def naive(sample: pd.DataFrame) -> float:
    """Seconds for the obvious approach: one case-insensitive str.contains per rubric term."""
    rb = load_rubric()
    terms = rb.terms.matcher.patterns
    text = (sample["title"].fillna("") + " " + sample["description"].fillna("")).str.lower()
    t0 = time.perf_counter()
    for pat in terms:
        text.str.contains(re.escape(pat.strip()), regex=True)
    return time.perf_counter() - t0


_SHARED: pd.DataFrame | None = None  # inherited by forked workers (copy-on-write), not pickled


def _work(bounds: tuple[int, int]) -> int:
    assert _SHARED is not None
    res, _ = screen(_SHARED.iloc[bounds[0] : bounds[1]], workers=1)
    return len(res)


def main(argv: list[str] | None = None) -> None:
    # `python -m bench screen` leaves the benchmark's name in sys.argv: it is not an argument.
    argv = [
        a for a in (sys.argv[1:] if argv is None else argv) if a not in ("screen", "bench_screen")
    ]
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--naive-sample", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=1, help="single-process runs (median shown)")
    ap.add_argument("--quick", action="store_true", help="100,000 projects instead of 1M")
    args = ap.parse_args(argv)
    if (args.quick or os.environ.get("BENCH_QUICK") == "1") and args.n == 1_000_000:
        args.n = 100_000
    rb = load_rubric()
    print(
        f"rubric {rb.version}: {len(rb.criteria)} criteria, {len(rb.terms.matcher.patterns)} "
        "patterns"
    )
    _ = fold_text("warm")

    t0 = time.perf_counter()
    projects = synthetic(args.n)
    print(f"generated {args.n:,} synthetic projects in {time.perf_counter() - t0:.1f} s")
    print(f"distinct texts per field: {distinct_shares(projects)}")

    singles = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res, ev = screen(projects, workers=1)
        singles.append(time.perf_counter() - t0)
    single = statistics.median(singles)
    print(
        f"1 process : {args.n / single:,.0f} projects/s; {single:.1f} s for {args.n:,} "
        f"(median of {len(singles)}: {', '.join(f'{t:.1f}' for t in singles)} s; "
        f"{len(ev):,} evidence rows)"
    )
    t0 = time.perf_counter()
    screen(projects, with_context=False, workers=1)
    nc = time.perf_counter() - t0
    print(f"1 process, no context snippets: {args.n / nc:,.0f} projects/s; {nc:.1f} s")

    if args.workers > 1:
        t0 = time.perf_counter()
        res2, ev2 = screen(projects, workers=args.workers)
        gathered = time.perf_counter() - t0
        print(
            f"screen(workers={args.workers}) (forked, frames back through Arrow files in "
            f"/dev/shm, concatenated): {args.n / gathered:,.0f} projects/s; {gathered:.1f} s "
            f"({len(ev2):,} evidence rows)"
        )
        print(
            f"time for 1M with screen(workers={args.workers}): "
            f"{1_000_000 / (args.n / gathered):.1f} s"
        )
        del res2, ev2
        global _SHARED
        _SHARED = projects
        step = -(-args.n // args.workers)
        bounds = [(i, min(i + step, args.n)) for i in range(0, args.n, step)]
        ctx = multiprocessing.get_context("fork")
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
            done = sum(pool.map(_work, bounds))
        par = time.perf_counter() - t0
        print(
            f"{args.workers} processes (forked, one share each, results counted not gathered): "
            f"{done / par:,.0f} projects/s; {par:.1f} s for {done:,}"
        )
    print(f"time for 1M at single-process rate: {1_000_000 / (args.n / single):.1f} s")

    worst = one_sentence_each(projects)
    t0 = time.perf_counter()
    screen(worst, workers=args.workers)
    wt = time.perf_counter() - t0
    print(
        f"screen(workers={args.workers}), every description one sentence of its own (the worst "
        f"case for the sentence scan): {args.n / wt:,.0f} projects/s; {wt:.1f} s"
    )
    del worst

    sample = projects.head(args.naive_sample)
    nv = naive(sample)
    rate_naive = len(sample) / nv
    print(
        f"naive baseline (pandas str.contains, {len(rb.terms.matcher.patterns)} patterns, "
        f"{len(sample):,} rows, title+description only): {rate_naive:,.0f} projects/s"
    )
    print(f"speed-up over naive: {(args.n / single) / rate_naive:.0f}x")
    print(res["marker_flag"].value_counts().to_dict())


if __name__ == "__main__":
    main()

"""Agreement between the assessed gender marker and donors' own markers on real IATI activities.

Reads ``../shared/realdata/activities.csv`` in place (never copies it), maps it onto the canonical
projects frame, screens it, and prints per donor and overall: exact agreement with the donor's
DAC marker, Cohen's kappa, the share flagged over- and under-claimed, and the pillar distribution.
Donors mark very differently, so per-donor figures matter more than the pooled one.

    .venv/bin/python eval/realdata_agreement.py [--min-donor 50] [--show 0] [--path PATH]

``--show N`` prints N disagreements per direction to read (the point of the exercise: where the
evidence, not the donor, is right, the rubric stays; where the rubric missed evidence, fix it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening.rubric import PILLARS, load_rubric  # noqa: E402
from screening.screen import screen  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "activities.csv"


def realdata_path(path: str | None = None) -> Path:
    return Path(path or os.environ.get("SCREENING_REALDATA_CSV", DEFAULT))


def to_projects(raw: pd.DataFrame) -> pd.DataFrame:
    """IATI activity rows as the canonical projects frame (the columns the screen reads).

    Channel: humanitarian flag 1 -> humanitarian; collaboration type 2 (multilateral) ->
    multilateral; else bilateral. Sector: the first code the rubric knows, else the first listed.
    Recipient: ISO alpha-2 -> alpha-3. The claimed marker is the donor's DAC significance (IATI
    has no GAM code, so humanitarian rows are compared on the DAC scale).
    """
    a2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    known = {code for c in load_rubric().criteria for code in c.purpose_codes}
    sectors = raw["sectors"].fillna("").astype(str).str.split(";")
    first_known = sectors.map(
        lambda xs: next((x for x in xs if x.isdigit() and int(x) in known), None)
    )
    first_any = sectors.map(lambda xs: next((x for x in xs if x.isdigit() and len(x) == 5), None))
    sector = pd.to_numeric(first_known.fillna(first_any), errors="coerce").astype("Int64")
    channel = np.where(
        raw["humanitarian"] == 1,
        "humanitarian",
        np.where(raw["collaboration_type"] == 2, "multilateral", "bilateral"),
    )
    return pd.DataFrame(
        {
            "sheet": "activities",
            "row_number": pd.array(np.arange(2, len(raw) + 2), dtype="Int64"),
            "channel": pd.array(channel, dtype="string"),
            "project_id": raw["iati_identifier"].astype("string"),
            "title": raw["title"].astype("string"),
            "description": raw["description"].astype("string"),
            "objectives": pd.Series(pd.NA, index=raw.index, dtype="string"),
            "indicators": pd.Series(pd.NA, index=raw.index, dtype="string"),
            "recipient_country": raw["recipient_country"].map(a2).astype("string"),
            "sector_code": sector,
            "partner": pd.Series(pd.NA, index=raw.index, dtype="string"),
            "budget": pd.to_numeric(raw["total_budget_or_commitment"], errors="coerce").astype(
                "Float64"
            ),
            "currency": raw["currency"].astype("string"),
            "start_date": pd.to_datetime(raw["start_date"], errors="coerce"),
            "gender_marker": pd.to_numeric(
                raw["gender_marker_significance"], errors="coerce"
            ).astype("Int64"),
            "gam_code": pd.Series(pd.NA, index=raw.index, dtype="Int64"),
        },
        index=raw.index,
    )


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa on the 0/1/2 scale: agreement beyond what the two marginals give by chance."""
    if len(a) == 0:
        return float("nan")
    po = (a == b).mean()
    pe = sum((a == k).mean() * (b == k).mean() for k in (0, 1, 2))
    return float((po - pe) / (1 - pe)) if pe < 1 else float("nan")


def figures(res: pd.DataFrame) -> dict[str, float]:
    a = res["marker_assessed"].to_numpy(dtype=int)
    c = res["marker_claimed"].to_numpy(dtype=int)
    judgeable = (res["confidence"] != "low").to_numpy()
    return {
        "n": len(res),
        "agree": (a == c).mean(),
        "agree_yesno": ((a > 0) == (c > 0)).mean(),
        "kappa": kappa(a, c),
        "agree_judgeable": (a[judgeable] == c[judgeable]).mean() if judgeable.any() else np.nan,
        "low_conf": 1 - judgeable.mean(),
        "over": (res["marker_flag"] == "overclaimed").mean(),
        "under": (res["marker_flag"] == "underclaimed").mean(),
        "claimed_1or2": (c > 0).mean(),
        "assessed_1or2": (a > 0).mean(),
        "wps_relevant": res["wps_relevant"].mean(),
        **{p: (res[p] > 0).mean() for p in PILLARS},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path")
    ap.add_argument("--min-donor", type=int, default=50)
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    path = realdata_path(args.path)
    if not path.is_file():
        print(f"{path} is not there; nothing to evaluate")
        return
    raw = pd.read_csv(path, dtype={"recipient_country": "string"}, keep_default_na=True)
    raw = raw[raw["gender_marker_significance"].isin([0, 1, 2])]
    projects = to_projects(raw)
    t0 = time.perf_counter()
    res, ev = screen(projects)
    dt = time.perf_counter() - t0
    res = res.assign(donor=raw["reporting_org"].fillna("?").to_numpy())
    rb = load_rubric()
    print(
        f"rubric {rb.version}; {len(res):,} activities with a donor marker screened in {dt:.1f} s "
        f"({len(ev):,} evidence rows)"
    )

    rows = []
    for donor, part in res.groupby("donor"):
        if len(part) >= args.min_donor:
            rows.append({"donor": donor[:45], **figures(part)})
    rows.append({"donor": "ALL", **figures(res)})
    table = pd.DataFrame(rows).sort_values("n", ascending=False)
    pct = [c for c in table.columns if c not in ("donor", "n", "kappa")]
    out = table.copy()
    for col in pct:
        out[col] = (100 * out[col]).round(0).astype("Int64").astype(str) + "%"
    out["kappa"] = out["kappa"].round(2)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(out.to_string(index=False))

    print("\nconfusion (rows: donor marker, columns: assessed), all activities:")
    print(pd.crosstab(res["marker_claimed"], res["marker_assessed"]))
    print("\nconfidence:", res["confidence"].value_counts().to_dict())

    if args.show:
        text = raw.set_index(res.index)
        for flag in ("overclaimed", "underclaimed"):
            sample = res[(res["marker_flag"] == flag) & (res["confidence"] != "low")].sample(
                min(
                    args.show,
                    int(((res["marker_flag"] == flag) & (res["confidence"] != "low")).sum()),
                ),
                random_state=3,
            )
            print(f"\n=== {flag} (sample of {len(sample)}) ===")
            for idx, r in sample.iterrows():
                t = text.loc[idx]
                crit = ev.loc[[idx]] if idx in ev.index else ev.iloc[0:0]
                found = ", ".join(
                    f"{c}:{m}"
                    for c, m, d in zip(
                        crit["criterion"], crit["matched_text"], crit["direction"], strict=True
                    )
                    if d == "for" and not c.startswith("context")
                )
                print(
                    f"- [{r['donor'][:30]}] claimed {r['marker_claimed']} assessed "
                    f"{r['marker_assessed']} "
                    f"G={r['gender_score']} | {str(t['title'])[:90]} | "
                    f"{str(t['description'])[:300]!r}\n    found: {found[:300]}"
                )


if __name__ == "__main__":
    main()

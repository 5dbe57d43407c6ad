"""The screening engine: contracts of the result and evidence frames, the hard cases one by one,
and agreement with the labelled set (floors set just under what the rubric achieves)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from screening.rubric import PILLARS, load_rubric
from screening.screen import (
    EVIDENCE_COLUMNS,
    RESULT_COLUMNS,
    SUMMARY_SQL,
    explain,
    gender_shares,
    load_rates,
    screen,
    summarise,
)

LABELLED = Path(__file__).resolve().parent / "labelled" / "projects.yaml"
FIELD_KEYS = {
    "t": "title",
    "d": "description",
    "o": "objectives",
    "i": "indicators",
    "p": "partner",
}


def frame(rows: list[dict]) -> pd.DataFrame:
    """A canonical-looking projects frame from short dicts (missing fields are NA)."""
    out = pd.DataFrame(
        {
            "sheet": "test",
            "row_number": pd.array(
                [r.get("row_number", i + 2) for i, r in enumerate(rows)], dtype="Int64"
            ),
            "channel": pd.array([r.get("ch", "bilateral") for r in rows], dtype="string"),
            "project_id": pd.array(
                [r.get("id", f"P{i}") for i, r in enumerate(rows)], dtype="string"
            ),
            **{
                col: pd.array([r.get(k) for r in rows], dtype="string")
                for k, col in FIELD_KEYS.items()
            },
            "recipient_country": pd.array([r.get("cc") for r in rows], dtype="string"),
            "sector_code": pd.array([r.get("sc") for r in rows], dtype="Int64"),
            "gender_marker": pd.array([r.get("gm") for r in rows], dtype="Int64"),
            "gam_code": pd.array([r.get("gam") for r in rows], dtype="Int64"),
            "budget": pd.array([r.get("budget") for r in rows], dtype="Float64"),
            "currency": pd.array([r.get("cur") for r in rows], dtype="string"),
            "start_date": pd.to_datetime(pd.Series([r.get("start") for r in rows], dtype="object")),
            "end_date": pd.to_datetime(pd.Series([r.get("end") for r in rows], dtype="object")),
        }
    )
    return out


def one(**kw: object) -> tuple[pd.Series, pd.DataFrame]:
    res, ev = screen(frame([kw]))
    return res.iloc[0], ev


def labelled() -> list[dict]:
    return yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["projects"]


# ------------------------------------------------------------------------------ contracts
def test_result_and_evidence_columns_and_keys() -> None:
    df = frame(
        [
            {
                "id": "A",
                "t": "GBV response",
                "d": "Support to survivors of sexual violence",
                "cc": "SOM",
            }
        ]
    )
    df["upload_id"] = pd.array(["u1"], dtype="string")
    res, ev = screen(df)
    assert list(res.columns) == ["upload_id", "sheet", "row_number", *RESULT_COLUMNS]
    assert list(ev.columns) == ["upload_id", "sheet", "row_number", *EVIDENCE_COLUMNS]
    assert res.index.equals(df.index)
    assert set(ev["direction"]) <= {"for", "against"}
    assert res["rubric_version"].iloc[0] == load_rubric().version


def test_empty_frame() -> None:
    res, ev = screen(frame([]).iloc[0:0])
    assert res.empty and ev.empty
    assert set(RESULT_COLUMNS) <= set(res.columns)


def test_chunks_give_the_same_answer() -> None:
    rows = [
        {"id": f"P{i}", "t": it["t"], "d": it.get("d"), "cc": it.get("cc")}
        for i, it in enumerate(labelled())
    ]
    whole, ev1 = screen(frame(rows))
    parts, ev2 = screen(frame(rows), chunk_size=7)
    pd.testing.assert_frame_equal(whole, parts)
    assert len(ev1) == len(ev2)


def test_minimal_frame_screens() -> None:
    res, _ = screen(
        pd.DataFrame(
            {"project_id": ["X"], "title": ["Women's participation in peace talks in Mali"]}
        )
    )
    assert res["confidence"].iloc[0] == "low"
    assert res["marker_flag"].iloc[0] == "not_screened"


# ------------------------------------------------------------------------------ hard cases
def test_boilerplate_and_psea_do_not_make_a_marker() -> None:
    r, ev = one(
        t="Rural roads",
        gm=1,
        cc="KEN",
        d="Rehabilitation of feeder roads. "
        "Gender equality is a cross-cutting issue and will be mainstreamed. "
        "The contractor signs the code of conduct on prevention of sexual exploitation and abuse.",
    )
    assert r["marker_assessed"] == 0 and r["marker_flag"] == "overclaimed"
    against = set(ev.loc[ev["direction"] == "against", "criterion"])
    assert {"counter.boilerplate", "counter.safeguarding"} <= against
    assert "marker.gender_objective" not in set(ev.loc[ev["direction"] == "for", "criterion"])


def test_negation_turns_evidence_against() -> None:
    r, ev = one(
        t="Boreholes",
        cc="SOM",
        d="Water points for pastoralists. The design did not draw on a gender analysis.",
    )
    rows = ev[ev["matched_text"] == "gender analysis"]
    assert (rows["direction"] == "against").all() and len(rows)
    assert r["marker_assessed"] == 0


def test_negation_does_not_cross_sentences() -> None:
    _, ev = one(
        t="X",
        cc="SOM",
        d="This is not a pilot. A gender analysis informed the design of the programme.",
    )
    rows = ev[ev["matched_text"] == "gender analysis"]
    assert (rows["direction"] == "for").all() and len(rows)


def test_women_and_youth_is_a_passing_mention() -> None:
    r, ev = one(
        t="Seeds",
        cc="MLI",
        d="Seeds for conflict-affected farmers, targeting women and youth.",
        gm=1,
    )
    assert r["marker_assessed"] == 0
    assert r["relief_recovery"] == 1 and not r["wps_relevant"]
    assert "counter.beneficiary_list" in set(ev["criterion"])


def test_outside_a_wps_setting_pillars_are_zero() -> None:
    r, _ = one(
        t="Domestic violence hotline",
        cc="VNM",
        d="A hotline and shelters for women survivors of domestic violence; "
        "police training on case handling.",
    )
    assert all(r[p] == 0 for p in PILLARS) and not r["wps_relevant"]
    assert r["marker_assessed"] >= 1


def test_inflections_and_languages() -> None:
    for text in (
        "Kvindernes deltagelse i fredsprocessen styrkes gennem kvindeorganisationer.",
        "Le projet renforce la participation des femmes aux processus de paix.",
        "Promoting women's participation and the participation of women in the peace process.",
    ):
        r, _ = one(t="Programme", d=text, cc="AFG")
        assert r["participation"] >= 1, text


def test_accents_fold() -> None:
    r, ev = one(
        t="Violences basées sur le genre",
        d="Prise en charge des survivantes de violences basées sur le genre.",
        cc="MLI",
    )
    assert r["protection"] == 2
    assert "violences basees sur le genre" in set(ev["matched_text"])


def test_evidence_in_indicators_counts_for_the_marker() -> None:
    r, ev = one(
        t="Dairy",
        cc="KEN",
        d="Dairy cooperatives.",
        o="Increase women's economic empowerment",
        i="% of board members who are women; gender results reported annually",
    )
    assert r["marker_assessed"] == 1
    assert {"objectives", "indicators"} <= set(ev["field"])


def test_humanitarian_gam_flags() -> None:
    res, _ = screen(
        frame(
            [
                {
                    "id": "a",
                    "ch": "humanitarian",
                    "gam": 4,
                    "cc": "YEM",
                    "t": "Food distribution",
                    "d": "General food distribution to households.",
                },
                {
                    "id": "b",
                    "ch": "humanitarian",
                    "gam": 1,
                    "cc": "SSD",
                    "t": "GBV response",
                    "d": "Clinical management of rape and GBV case management "
                    "for displaced women and girls in camps.",
                },
                {
                    "id": "c",
                    "ch": "humanitarian",
                    "gam": 2,
                    "cc": "HTI",
                    "t": "Cholera",
                    "d": "Water treatment points.",
                },
                {
                    "id": "d",
                    "ch": "humanitarian",
                    "cc": "HTI",
                    "t": "Cholera",
                    "d": "Water treatment points.",
                },
            ]
        )
    )
    assert res["marker_scheme"].tolist()[:3] == ["gam", "gam", "gam"]
    assert res["marker_flag"].tolist() == [
        "overclaimed",
        "underclaimed",
        "consistent",
        "not_screened",
    ]


def test_dac_flags_and_blank_marker() -> None:
    res, _ = screen(
        frame(
            [
                {"id": "a", "gm": 2, "t": "Roads", "d": "Road works."},
                {
                    "id": "b",
                    "gm": 0,
                    "t": "Ending child marriage",
                    "d": "Community programmes to end child marriage "
                    "and keep adolescent girls in school.",
                },
                {"id": "c", "t": "Roads", "d": "Road works."},
            ]
        )
    )
    assert res["marker_flag"].tolist() == ["overclaimed", "underclaimed", "not_screened"]


def test_confidence_low_for_short_or_repeated_text() -> None:
    r, _ = one(t="GBV prevention and response", d="GBV prevention and response", cc="SOM")
    assert r["confidence"] == "low"
    long = " ".join(
        ["The programme strengthens the health system and the capacity of the district teams."] * 6
    )
    r, _ = one(t="Health", d=long, cc="KEN")
    assert r["confidence"] == "high"


def test_explain_reads_like_an_evaluator() -> None:
    res, ev = screen(
        frame(
            [
                {
                    "id": "E1",
                    "gm": 2,
                    "cc": "SOM",
                    "t": "Roads",
                    "d": "Road rehabilitation. The design did not draw on a gender analysis.",
                }
            ]
        )
    )
    text = explain(res.iloc[0], ev)
    assert "overclaimed" in text and "Evidence against" in text
    assert "Not found (DAC minimum criteria)" in text
    assert "negat" in text


def test_summaries_and_shares() -> None:
    df = frame(
        [
            {
                "id": "a",
                "cc": "SOM",
                "t": "GBV",
                "d": "Support to survivors of sexual violence.",
                "budget": 1000.0,
                "cur": "DKK",
                "start": "2020-01-01",
                "gm": 2,
            },
            {
                "id": "b",
                "cc": "KEN",
                "t": "Roads",
                "d": "Road works.",
                "budget": 100.0,
                "cur": "EUR",
                "start": "2030-01-01",
                "gm": 1,
            },
            {
                "id": "c",
                "cc": "KEN",
                "t": "Roads",
                "d": "Road works.",
                "budget": 5.0,
                "cur": "XXX",
                "start": "2020-01-01",
            },
        ]
    )
    res, _ = screen(df)
    rates = load_rates()
    s = summarise(df, res, rates, currency="USD")
    assert set(s["pillar"]) == set(PILLARS)
    prot = s[(s["recipient_country"] == "SOM") & (s["pillar"] == "protection")].iloc[0]
    assert prot["explicit"] == 1
    assert prot["budget_explicit"] == pytest.approx(1000 / 6.5415)
    ken = s[(s["recipient_country"] == "KEN") & (s["pillar"] == "protection")]
    assert ken["budget_unconverted"].sum() == 1
    sh = gender_shares(df, res, rates)
    assert {"benchmark", "share_budget", "basis"} <= set(sh.columns)
    assert (sh["benchmark"] > 0).all()


def test_summary_sql_runs_in_duckdb() -> None:
    duckdb = pytest.importorskip("duckdb")
    df = frame(
        [
            {
                "id": "a",
                "cc": "SOM",
                "t": "GBV",
                "d": "Support to survivors of sexual violence.",
                "budget": 1000.0,
                "cur": "DKK",
                "start": "2020-01-01",
                "sc": 15220,
                "gm": 2,
            },
            {
                "id": "b",
                "cc": "KEN",
                "t": "Roads",
                "d": "Road works.",
                "budget": 100.0,
                "cur": "EUR",
                "start": "2021-01-01",
                "gm": 1,
            },
        ]
    )
    res, _ = screen(df)
    con = duckdb.connect()
    con.register("projects_current", df)
    con.register("screening_results", res)
    con.register("exchange_rates", load_rates())
    params = {"rubric_version": res["rubric_version"].iloc[0], "currency": "USD"}
    summary = con.execute(SUMMARY_SQL["pillar_summary"], params).df()
    ours = summarise(df, res, currency="USD")
    assert summary["explicit"].sum() == ours["explicit"].sum()
    assert summary["budget"].sum() == pytest.approx(ours["budget"].sum())
    shares = con.execute(SUMMARY_SQL["gender_shares"], params).df()
    assert 0 <= shares["assessed_share_any"].iloc[0] <= 1


# ------------------------------------------------------------------------------ labelled set
def test_labelled_set_agreement() -> None:
    items = labelled()
    assert len(items) >= 100
    res, _ = screen(frame(items))
    exp = np.array([it["exp"] for it in items])
    got = np.column_stack(
        [res[p].to_numpy(dtype=int) for p in PILLARS]
        + [res["wps_relevant"].to_numpy(dtype=int), res["marker_assessed"].to_numpy(dtype=int)]
    )
    marker = (got[:, 5] == exp[:, 5]).mean()
    marker_within1 = (np.abs(got[:, 5] - exp[:, 5]) <= 1).mean()
    relevant = (got[:, 4] == exp[:, 4]).mean()
    pillars = (got[:, :4] == exp[:, :4]).mean()
    any_pillar = ((got[:, :4] > 0) == (exp[:, :4] > 0)).mean()
    print(
        f"\nlabelled set ({len(items)} projects): marker_assessed exact {marker:.1%} (within 1: "
        f"{marker_within1:.1%}); "
        f"wps_relevant {relevant:.1%}; pillar levels exact {pillars:.1%}; pillar present/absent "
        f"{any_pillar:.1%}"
    )
    wrong = [
        (it["id"], list(exp[i]), list(got[i]))
        for i, it in enumerate(items)
        if (exp[i] != got[i]).any()
    ]
    for w in wrong:
        print("  differs:", *w)
    assert marker >= MARKER_FLOOR
    assert relevant >= RELEVANT_FLOOR
    assert pillars >= PILLAR_FLOOR


# Achieved at rubric wps-see-report: marker 97.1%, wps_relevant 100%, pillar levels 98.1%.
MARKER_FLOOR = 0.94
RELEVANT_FLOOR = 0.97
PILLAR_FLOOR = 0.95

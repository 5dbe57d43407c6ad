"""The screening engine: contracts of the result and evidence frames, the hard cases one by one,
and agreement with the labelled set (floors set just under what the rubric achieves)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from screening.rubric import PILLARS, load_rubric
from screening.screen import EVIDENCE_COLUMNS, RESULT_COLUMNS, explain, screen

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


@pytest.mark.parametrize(
    "text",
    [
        "This is not a pilot. Gender analysis informed the design.",
        "This is not a pilot . Gender analysis informed the design.",
        "This is not a pilot!! Gender analysis informed the design.",
        "This is not a pilot;  gender analysis informed the design.",
    ],
)
def test_negation_stops_at_a_sentence_end_right_before_the_match(text: str) -> None:
    """The match starts at the very space a sentence end folds to: it is in the next sentence."""
    _, ev = one(t="X", cc="SOM", d=text)
    rows = ev[ev["matched_text"] == "gender analysis"]
    assert len(rows) and (rows["direction"] == "for").all()


def test_a_cue_right_after_a_sentence_end_negates_its_own_sentence() -> None:
    _, ev = one(t="X", cc="SOM", d="Boreholes for herders. Not based on a gender analysis.")
    rows = ev[ev["matched_text"] == "gender analysis"]
    assert len(rows) and (rows["direction"] == "against").all()
    _, ev = one(t="X", cc="SOM", d="Boreholes for herders; without a gender analysis.")
    rows = ev[ev["matched_text"] == "gender analysis"]
    assert len(rows) and (rows["direction"] == "against").all()


def test_distinct_texts_screened_once_give_the_same_answer_per_row() -> None:
    """Rows sharing a text get its evidence, each under its own index, in text order."""
    base = [
        {
            "t": "GBV response",
            "cc": "SSD",
            "d": "Survivors of sexual violence. No gender analysis.",
        },
        {"t": "Rural roads", "cc": "KEN", "d": "The road connects farmers to markets."},
        {"t": "GBV response", "cc": "SOM", "d": "Women mediators join peace committees."},
    ]
    rows = [dict(base[i % 3], id=f"P{i}") for i in range(9)]
    res, ev = screen(frame(rows))
    for i in range(3, 9):
        one_res, one_ev = screen(frame([rows[i]]))
        assert res.iloc[i].drop("row_number").equals(one_res.iloc[0].drop("row_number"))
        mine = ev.loc[[i]].drop(columns="row_number").reset_index(drop=True)
        pd.testing.assert_frame_equal(
            mine, one_ev.drop(columns="row_number").reset_index(drop=True)
        )


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


# Achieved with the codebook rubric (sentence roles, concepts, dated lists): marker 100%,
# wps_relevant 100%, pillar levels 98.8%. This set was written by the rubric's own hand, so it
# guards against regressions; how good the screen is, the real labelled set says (below).
MARKER_FLOOR = 0.96
RELEVANT_FLOOR = 0.97
PILLAR_FLOOR = 0.96


def test_aggregate_lines_are_not_screened() -> None:
    df = frame(
        [
            {
                "id": "AGG",
                "cc": "SOM",
                "gm": 2,
                "sc": 15180,
                "t": "Aggregate activities",
                "d": "Support to survivors of gender-based violence and women's participation.",
            },
            {"id": "P", "cc": "SOM", "gm": 2, "t": "GBV", "d": "Support to GBV survivors."},
            {"id": "N", "cc": "SOM", "t": "GBV", "d": "Support to GBV survivors."},
        ]
    )
    plain_res, plain_ev = screen(df)
    df["is_aggregate"] = pd.array([True, False, None], dtype="boolean")
    res, ev = screen(df)
    agg = res.iloc[0]
    assert agg["marker_flag"] == "not_screened"
    assert all(agg[p] == 0 for p in PILLARS)
    assert not agg["wps_relevant"]
    assert pd.isna(agg["marker_assessed"])
    assert agg["marker_claimed"] == 2
    assert agg["confidence"] == "low"
    assert agg["summary"] == "Aggregate of small activities reported in bulk: not screened."
    assert "AGG" not in set(ev["project_id"])
    # Rows that are not aggregates (False or NA) screen as they do without the column.
    pd.testing.assert_frame_equal(res.iloc[1:], plain_res.iloc[1:])
    pd.testing.assert_frame_equal(ev, plain_ev[plain_ev["project_id"] != "AGG"])
    assert str(res["marker_assessed"].dtype) == "Int8"


# ------------------------------------------------------------------------------ golden output
# A fixed frame of hard cases (accents, dashes and CJK, nulls, glued sentences, negation, counter
# evidence, partners, codes). Its output was captured from the engine before the speed work and
# must not change when the engine is made faster: compare a rewrite against these rows.
GOLDEN_ROWS = [
    {
        "id": "G1",
        "cc": "AFG",
        "sc": 15220,
        "gm": 2,
        "t": "Women's participation in district peace councils",
        "d": "The programme strengthens the participation of women in peace councils. It trains "
        "women mediators. A gender analysis carried out in 2021 showed that women held 4.5% "
        "of seats.",
        "i": "Share of council members who are women; number of women mediators trained",
    },
    {
        "id": "G2",
        "ch": "humanitarian",
        "gam": 1,
        "cc": "SSD",
        "t": "GBV response",
        "d": "Clinical management of rape and GBV case management for "
        "displaced women and girls in camps. No gender analysis . Women leaders were consulted.",
    },
    {
        "id": "G3",
        "cc": "KEN",
        "gm": 1,
        "t": "Rural roads",
        "d": "Rehabilitation of feeder roads. Gender equality is a cross-cutting issue and will be "
        "mainstreamed. The contractor signs the code of conduct on prevention of sexual "
        "exploitation and abuse. The project will benefit women and youth.",
    },
    {
        "id": "G4",
        "cc": "MLI",
        "gm": 2,
        "t": "Violences basées sur le genre — Mopti",
        "d": "Prise en charge des survivantes de violences basées sur le genre; la participation "
        "des femmes aux processus de paix n'est pas ciblée.",
        "o": "Égalité femmes-hommes",
    },
    {
        "id": "G5",
        "cc": "UGA",
        "t": "Støtte til kvinders deltagelse i fredsopbygning",
        "d": "Projektet styrker indsatsen mod kønsbaseret vold i flygtningelejre og kvindernes "
        "deltagelse. Der er ikke gennemført en kønsanalyse.",
        "p": "UN Women",
    },
    {
        "id": "G6",
        "cc": "VNM",
        "gm": 0,
        "t": "DOMESTIC VIOLENCE HOTLINE",
        "d": "A hotline and shelters for women survivors of domestic violence; police training "
        "on case handling. Indicators will be disaggregated by sex and age.",
        "i": "% of beneficiaries who are female",
    },
    {"id": "G7", "t": None, "d": None},
    {
        "id": "G8",
        "cc": "SOM",
        "sc": 15130,
        "t": "Boreholes",
        "d": "Water points for pastoralists.The design did not draw on a gender analysis!! "
        "Women's committees manage the wells… ½ of members are women (目标).",
        "i": "Number of women on water committees",
    },
    {
        "id": "G9",
        "ch": "multilateral",
        "cc": "COD",
        "gm": 2,
        "t": "Ending impunity for conflict-related sexual violence",
        "d": "Support to mobile courts to prosecute sexual violence committed by armed groups. "
        "Survivors of gender-based violence and women's rights organisations receive support "
        "from the Women's Peace and Humanitarian Fund.",
        "i": "Number of CRSV cases prosecuted; % of survivors accompanied by a lawyer",
    },
    {
        "id": "G10",
        "cc": "UKR",
        "gm": 1,
        "t": "Security sector reform programme",
        "d": "Security sector reform with women police officers. Not a gender project; "
        "without a gender analysis.",
        "i": "",
    },
]

RESULT_DTYPES = {
    "participation": "Int8",
    "marker_claimed": "Int64",
    "marker_assessed": "Int8",
    "marker_flag": "string",
    "gender_score": "float64",
    "confidence": "string",
    "word_count": "Int64",
    "wps_relevant": "bool",
}
EVIDENCE_DTYPES = {
    "criterion": "category",
    "field": "category",
    "matched_text": "category",
    "direction": "category",
    "weight": "float64",
    "context": "string",
}


def _compact(df: pd.DataFrame, names: list[str], index: bool = False) -> list[str]:
    """Each row as ``value|value|...`` (NA as None), optionally led by its index."""

    def plain(v: object) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return "None"
        return str(v.item() if hasattr(v, "item") else v)

    rows = df[names].astype(object).itertuples(index=False)
    return [
        "|".join(([str(i)] if index else []) + [plain(v) for v in row])
        for i, row in zip(df.index, rows, strict=True)
    ]


def test_golden_frame_gives_the_same_output() -> None:
    res, ev = screen(frame(GOLDEN_ROWS))
    got_res = _compact(res, [c for c in RESULT_COLUMNS if c != "rubric_version"])
    got_ev = _compact(ev, [c for c in EVIDENCE_COLUMNS if c != "framework"], index=True)
    assert got_res == GOLDEN_RESULTS
    assert got_ev == GOLDEN_EVIDENCE
    assert {c: str(t) for c, t in res.dtypes.items() if c in RESULT_DTYPES} == RESULT_DTYPES
    assert {c: str(t) for c, t in ev.dtypes.items() if c in EVIDENCE_DTYPES} == EVIDENCE_DTYPES
    assert res.index.equals(pd.RangeIndex(len(GOLDEN_ROWS)))
    assert (ev["framework"].astype(str) != "").all()


GOLDEN_RESULTS = [
    "G1|bilateral|2|0|0|0|True|True|list: OECD States of Fragility 2025|dac|2|2|consistent"
    "|12.88|medium|48|WPS: participation explicit; gender principal (2); claimed DAC 2: co"
    "nsistent",
    "G2|humanitarian|1|2|0|2|True|True|list: OECD States of Fragility 2025|gam|1|2|undercl"
    "aimed|12.75|medium|24|WPS: participation passing, protection explicit, relief and rec"
    "overy explicit; gender principal (2); claimed GAM 1: underclaimed",
    "G3|bilateral|0|0|0|1|False|True|list: OECD States of Fragility 2025|dac|1|0|overclaim"
    "ed|-1.0|medium|38|WPS: relief and recovery passing; gender not targeted (0); claimed "
    "DAC 1: overclaimed",
    "G4|bilateral|2|2|0|0|True|True|list: OECD States of Fragility 2025|dac|2|2|consistent"
    "|15.75|medium|32|WPS: participation explicit, protection explicit; gender principal ("
    "2); claimed DAC 2: consistent",
    "G5|bilateral|2|2|0|0|True|True|list: OECD States of Fragility 2025|None|None|2|not_sc"
    "reened|17.25|medium|23|WPS: participation explicit, protection explicit; gender princ"
    "ipal (2); no marker claimed",
    "G6|bilateral|0|0|0|0|False|False|none|dac|0|2|underclaimed|12.0|medium|31|not a WPS s"
    "etting; gender principal (2); claimed DAC 0: underclaimed",
    "G7|bilateral|0|0|0|0|False|False|none|None|None|0|not_screened|0.0|low|0|not a WPS se"
    "tting; gender not targeted (0); no marker claimed; low confidence: text too short or "
    "not in a covered language",
    "G8|bilateral|0|0|0|1|True|True|list: OECD States of Fragility 2025|None|None|1|not_sc"
    "reened|6.25|medium|32|WPS: relief and recovery passing; gender significant (1); no ma"
    "rker claimed",
    "G9|multilateral|2|2|2|0|True|True|list: OECD States of Fragility 2025|dac|2|2|consist"
    "ent|22.25|high|50|WPS: participation explicit, protection explicit, prevention explic"
    "it; gender principal (2); claimed DAC 2: consistent",
    "G10|bilateral|0|0|0|0|False|False|none|dac|1|0|overclaimed|2.5|low|19|not a WPS setti"
    "ng; gender not targeted (0); claimed DAC 1: overclaimed; low confidence: text too sho"
    "rt or not in a covered language",
]
GOLDEN_EVIDENCE = [
    "0|G1|context.fragile|recipient_country|AFG (extremely fragile, OECD States of Fragili"
    "ty 2025, not verified)|for|None|context|1.0|none|",
    "0|G1|context.conflict|sector_code|15220|for|None|context|1.0|none|",
    "0|G1|participation.decision_making|title|women s participation|for|participation|gend"
    "er_objective|2.5|none|women s participation in district peace councils",
    "0|G1|participation.decision_making|description|participation of women|for|participati"
    "on|gender_objective|2.5|activity|the programme strengthens the participation of women"
    " in peace councils it trains women mediat",
    "0|G1|participation.decision_making|description|women mediator*|for|participation|gend"
    "er_objective|2.5|activity|ion of women in peace councils it trains women mediators a "
    "gender analysis carried out in 2021",
    "0|G1|participation.decision_making|description|women in peace*|for|participation|gend"
    "er_objective|2.5|activity|ogramme strengthens the participation of women in peace cou"
    "ncils it trains women mediators a ge",
    "0|G1|participation.decision_making|description|women ... mediator*|for|participation|"
    "gender_objective|2.5|activity|ion of women in peace councils it trains women mediator"
    "s a gender analysis carried out in 2021",
    "0|G1|participation.decision_making|indicators|women mediator*|for|participation|gende"
    "r_objective|2.5|activity,target|council members who are women number of women mediato"
    "rs trained",
    "0|G1|participation.decision_making|indicators|women ... mediator*|for|participation|g"
    "ender_objective|2.5|activity,target|council members who are women number of women med"
    "iators trained",
    "0|G1|marker.gender_analysis|description|gender analysis|for|None|gender_analysis|1.5|"
    "none|ace councils it trains women mediators a gender analysis carried out in 2021 sho"
    "wed that women he",
    "0|G1|marker.gender_indicator|indicators|number of women|for|None|gender_indicator|1.5"
    "|activity,target|share of council members who are women number of women mediators tra"
    "ined",
    "0|G1|marker.gender_indicator|indicators|are women|for|None|gender_indicator|1.5|targe"
    "t,primary_group|share of council members who are women number of women mediators trai"
    "ned",
    "0|G1|marker.women_mention|description|women|for|None|women_mention|0.5|none|analysis "
    "carried out in 2021 showed that women held 4 5 of seats",
    "1|G2|context.fragile|recipient_country|SSD (extremely fragile, OECD States of Fragili"
    "ty 2025, not verified)|for|None|context|1.0|none|",
    "1|G2|context.conflict|description|displaced|for|None|context|1.0|activity,primary_gro"
    "up|ment of rape and gbv case management for displaced women and girls in camps no gen"
    "der analy",
    "1|G2|context.humanitarian|channel|channel humanitarian|for|None|context|1.0|none|",
    "1|G2|participation.decision_making|description|women leader*|for|participation|gender"
    "_objective|2.5|none|en and girls in camps no gender analysis women leaders were consu"
    "lted",
    "1|G2|protection.sgbv|title|GBV|for|protection|gender_objective|3.0|none|gbv response",
    "1|G2|protection.sgbv|description|clinical management of rape|for|protection|gender_ob"
    "jective|3.0|activity,primary_group|clinical management of rape and gbv case managemen"
    "t for displaced wo",
    "1|G2|protection.sgbv|description|gbv case management|for|protection|gender_objective|"
    "3.0|activity,primary_group|clinical management of rape and gbv case management for di"
    "splaced women and girls in camps n",
    "1|G2|relief.womens_needs|description|displaced women|for|relief_recovery|gender_objec"
    "tive|2.5|activity,primary_group|ment of rape and gbv case management for displaced wo"
    "men and girls in camps no gender analysis wo",
    "1|G2|relief.womens_needs|description|women ... displaced|for|relief_recovery|gender_o"
    "bjective|2.5|activity,primary_group|ment of rape and gbv case management for displace"
    "d women and girls in camps no gender analysis women leaders were co",
    "1|G2|marker.women_mention|description|girls|for|None|women_mention|0.5|activity,prima"
    "ry_group|case management for displaced women and girls in camps no gender analysis wo"
    "men leader",
    "1|G2|counter.not_targeted|description|no gender analysis|against|None|not_targeted|-3"
    ".0|none|t for displaced women and girls in camps no gender analysis women leaders wer"
    "e consulted",
    "2|G3|context.fragile|recipient_country|KEN (fragile, OECD States of Fragility 2025, n"
    "ot verified)|for|None|context|1.0|none|",
    "2|G3|framing.relief|description|rehabilitation|for|None|framing|0.0|activity|rehabili"
    "tation of feeder roads gender equality is a cro",
    "2|G3|counter.boilerplate|description|gender equality is a cross cutting|against|None|"
    "boilerplate|-1.0|none|rehabilitation of feeder roads gender equality is a cross cutti"
    "ng issue and will be mainstreamed the contr",
    "2|G3|counter.safeguarding|description|prevention of sexual exploitation and abuse|aga"
    "inst|None|safeguarding|0.0|activity|contractor signs the code of conduct on preventio"
    "n of sexual exploitation and abuse the project will benefit women and youth",
    "2|G3|counter.safeguarding|description|sexual exploitation and abuse|against|None|safe"
    "guarding|0.0|activity|gns the code of conduct on prevention of sexual exploitation an"
    "d abuse the project will benefit women and youth",
    "2|G3|counter.safeguarding|description|code of conduct|against|None|safeguarding|0.0|a"
    "ctivity|be mainstreamed the contractor signs the code of conduct on prevention of sex"
    "ual exploitation and",
    "2|G3|counter.beneficiary_list|description|women and youth|against|relief_recovery|ben"
    "eficiary_list|0.0|activity|ation and abuse the project will benefit women and youth",
    "3|G4|context.fragile|recipient_country|MLI (fragile, OECD States of Fragility 2025, n"
    "ot verified)|for|None|context|1.0|none|",
    "3|G4|context.conflict|description|processus de paix|for|None|context|1.0|target|le ge"
    "nre la participation des femmes aux processus de paix n est pas ciblee",
    "3|G4|participation.decision_making|description|participation des femmes|for|participa"
    "tion|gender_objective|2.5|target|ntes de violences basees sur le genre la participati"
    "on des femmes aux processus de paix n est pas ciblee",
    "3|G4|participation.decision_making|description|femmes ... mediatrice*|for|participati"
    "on|gender_objective|2.5|target|basees sur le genre la participation des femmes aux pr"
    "ocessus de paix n est pas ciblee",
    "3|G4|protection.sgbv|title|violences basees sur le genre|for|protection|gender_object"
    "ive|3.0|none|violences basees sur le genre mopti",
    "3|G4|protection.sgbv|description|violences basees sur le genre|for|protection|gender_"
    "objective|3.0|activity|prise en charge des survivantes de violences basees sur le gen"
    "re la participation des femmes aux processu",
    "3|G4|protection.sgbv|description|survivantes de violences|for|protection|gender_objec"
    "tive|3.0|activity|prise en charge des survivantes de violences basees sur le genre la"
    " participation des",
    "3|G4|protection.sgbv|description|prise en charge des survivantes|for|protection|gende"
    "r_objective|3.0|activity|prise en charge des survivantes de violences basees sur le g"
    "enre la part",
    "3|G4|marker.gender_objective|objectives|egalite femmes hommes|for|None|gender_objecti"
    "ve|2.0|none|egalite femmes hommes",
    "4|G5|context.fragile|recipient_country|UGA (fragile, OECD States of Fragility 2025, n"
    "ot verified)|for|None|context|1.0|none|",
    "4|G5|context.conflict|title|fredsopbygning*|for|None|context|1.0|activity|stotte til "
    "kvinders deltagelse i fredsopbygning",
    "4|G5|context.conflict|description|flygtning*|for|None|context|1.0|activity|styrker in"
    "dsatsen mod konsbaseret vold i flygtningelejre og kvindernes deltagelse der er i",
    "4|G5|participation.decision_making|title|kvinders deltagelse|for|participation|gender"
    "_objective|2.5|activity|stotte til kvinders deltagelse i fredsopbygning",
    "4|G5|participation.decision_making|description|kvindernes deltagelse|for|participatio"
    "n|gender_objective|2.5|activity|od konsbaseret vold i flygtningelejre og kvindernes d"
    "eltagelse der er ikke gennemfort en konsanalyse",
    "4|G5|participation.womens_organisations|partner|UN Women|for|participation|gender_obj"
    "ective|2.5|none|un women",
    "4|G5|protection.sgbv|description|konsbaseret vold|for|protection|gender_objective|3.0"
    "|activity|projektet styrker indsatsen mod konsbaseret vold i flygtningelejre og kvind"
    "ernes deltagel",
    "4|G5|marker.principal_purpose|partner|UN Women|for|None|gender_objective|2.0|none|un women",
    "4|G5|marker.gender_analysis|description|konsanalyse*|against|None|gender_analysis|1.5"
    "|none|nes deltagelse der er ikke gennemfort en konsanalyse",
    "5|G6|protection.sgbv|title|domestic violence|for|protection|gender_objective|3.0|none"
    "|domestic violence hotline",
    "5|G6|protection.sgbv|description|domestic violence|for|protection|gender_objective|3."
    "0|primary_group|line and shelters for women survivors of domestic violence police tra"
    "ining on case handling indicat",
    "5|G6|protection.sgbv|description|shelters for women|for|protection|gender_objective|3"
    ".0|primary_group|a hotline and shelters for women survivors of domestic violence poli"
    "ce tr",
    "5|G6|marker.gender_indicator|indicators|of beneficiaries who are female|for|None|gend"
    "er_indicator|1.5|target,primary_group|of beneficiaries who are female",
    "5|G6|marker.sex_disaggregated|description|disaggregated by sex and age|for|None|sex_d"
    "isaggregated|0.75|target|ning on case handling indicators will be disaggregated by se"
    "x and age",
    "7|G8|context.fragile|recipient_country|SOM (extremely fragile, OECD States of Fragili"
    "ty 2025, not verified)|for|None|context|1.0|none|",
    "7|G8|relief.womens_needs|description|women s committees|for|relief_recovery|gender_ob"
    "jective|2.5|activity|design did not draw on a gender analysis women s committees mana"
    "ge the wells 1 2 of members are wome",
    "7|G8|marker.gender_analysis|description|gender analysis|against|None|gender_analysis|"
    "1.5|none|astoralists the design did not draw on a gender analysis women s committees "
    "manage the wells 1 2",
    "7|G8|marker.gender_indicator|description|are women|for|None|gender_indicator|1.5|prim"
    "ary_group|mmittees manage the wells 1 2 of members are women",
    "7|G8|marker.gender_indicator|indicators|number of women|for|None|gender_indicator|1.5"
    "|target|number of women on water committees",
    "8|G9|context.fragile|recipient_country|COD (extremely fragile, OECD States of Fragili"
    "ty 2025, not verified)|for|None|context|1.0|none|",
    "8|G9|context.conflict|title|conflict|for|None|context|1.0|none|ending impunity for co"
    "nflict related sexual violence",
    "8|G9|context.conflict|description|armed group*|for|None|context|1.0|activity|o prosec"
    "ute sexual violence committed by armed groups survivors of gender based violence and",
    "8|G9|participation.womens_organisations|description|women s rights organisation*|for|"
    "participation|gender_objective|2.5|activity|s survivors of gender based violence and "
    "women s rights organisations receive support from the women s peace",
    "8|G9|participation.womens_organisations|description|Women's Peace and Humanitarian Fu"
    "nd|for|participation|gender_objective|2.5|activity|s organisations receive support fr"
    "om the women s peace and humanitarian fund",
    "8|G9|participation.womens_organisations|description|women ... network|for|participati"
    "on|gender_objective|2.5|activity|s survivors of gender based violence and women s rig"
    "hts organisations receive support from the women s peace and humanitarian fund",
    "8|G9|protection.sgbv|description|survivors of gender based violence|for|protection|ge"
    "nder_objective|3.0|activity|exual violence committed by armed groups survivors of gen"
    "der based violence and women s rights organisations receive",
    "8|G9|protection.sgbv|indicators|CRSV|for|protection|gender_objective|3.0|activity,tar"
    "get|number of crsv cases prosecuted of survivors accompanie",
    "8|G9|prevention.impunity|title|impunity for conflict related sexual violence|for|prev"
    "ention|gender_objective|3.0|none|ending impunity for conflict related sexual violence",
    "8|G9|prevention.impunity|title|sexual violence ... prosecut*|for|prevention|gender_ob"
    "jective|3.0|none|ending impunity for conflict related sexual violence",
    "8|G9|prevention.impunity|description|prosecute sexual violence|for|prevention|gender_"
    "objective|3.0|activity|support to mobile courts to prosecute sexual violence committe"
    "d by armed groups survivors of g",
    "8|G9|prevention.impunity|description|sexual violence ... prosecut*|for|prevention|gen"
    "der_objective|3.0|activity|support to mobile courts to prosecute sexual violence comm"
    "itted by armed groups survivors of g",
    "8|G9|prevention.impunity|indicators|sexual violence ... prosecut*|for|prevention|gend"
    "er_objective|3.0|activity,target|number of crsv cases prosecuted of survivors accompa"
    "nied by a lawyer",
    "8|G9|marker.principal_purpose|description|Women's Peace and Humanitarian Fund|for|Non"
    "e|gender_objective|2.0|activity|s organisations receive support from the women s peac"
    "e and humanitarian fund",
    "9|G10|participation.security_sector|description|women police*|for|participation|gende"
    "r_objective|2.5|none|security sector reform with women police officers not a gender p"
    "roject without a",
    "9|G10|marker.gender_analysis|description|gender analysis|against|None|gender_analysis"
    "|1.5|none|officers not a gender project without a gender analysis",
    "9|G10|marker.gender_mention|description|gender|against|None|gender_mention|0.5|none|r"
    "eform with women police officers not a gender project without a gender analysis",
]


# ------------------------------------------------------------------------------ the codebook
def _basis(**kw: object) -> tuple[bool, str]:
    r, _ = one(**kw)
    return bool(r["wps_setting"]), str(r["setting_basis"])


def test_setting_follows_the_list_of_the_projects_years() -> None:
    """Codebook rule 1(a): the edition nearest the project's years; without dates the latest."""
    t, d = "Roads", "Rural road maintenance with local contractors."
    # Tanzania: on the 2016-2020 States of Fragility lists, not on the Fragile States lists
    # before 2015.
    assert _basis(cc="TZA", t=t, d=d, start="2019-01-01", end="2021-12-31") == (
        True,
        "list: OECD States of Fragility 2020",
    )
    assert _basis(cc="TZA", t=t, d=d, start="2009-01-01", end="2011-06-30") == (False, "none")
    # Any of the project's years counts: 2013-2016 reaches the 2016 edition.
    assert _basis(cc="TZA", t=t, d=d, start="2013-01-01", end="2016-06-30")[0]
    # No dates: the latest edition.
    assert _basis(cc="SOM", t=t, d=d)[1].startswith("list: OECD States of Fragility 2025")
    # Denmark's 2005 plan names Uganda, Afghanistan and Sudan as post-conflict countries.
    on, basis = _basis(cc="UGA", t=t, d=d, start="2006-01-01", end="2006-12-31")
    assert on and basis.startswith("list: ")


def test_setting_basis_text_and_humanitarian_in_that_order() -> None:
    d_conflict = "Support to families displaced by the armed conflict in the east."
    assert _basis(cc="UKR", t="Housing", d=d_conflict, start="2019-01-01") == (True, "text")
    assert _basis(
        cc="UKR", ch="humanitarian", t="Winter kits", d="Blankets and stoves.", start="2019-01-01"
    ) == (True, "humanitarian")
    # The list comes first: Somalia in 2019 is on the list even with conflict text.
    assert _basis(cc="SOM", t="Housing", d=d_conflict, start="2019-01-01")[1].startswith("list")
    # A pandemic alone is no setting (codebook rule 1).
    assert _basis(cc="UKR", t="COVID-19", d="Masks and tests for clinics.", start="2020-05-01") == (
        False,
        "none",
    )


def test_explain_says_the_setting_basis() -> None:
    res, ev = screen(
        frame(
            [
                {
                    "id": "X",
                    "cc": "SOM",
                    "t": "GBV response",
                    "start": "2019-01-01",
                    "d": "The project provides case management to survivors of gender-based "
                    "violence.",
                }
            ]
        )
    )
    text = explain(res.iloc[0], ev)
    assert "WPS setting (list: OECD States of Fragility 2020)" in text


def _levels(d: str, t: str = "Community programme", **kw: object) -> pd.Series:
    r, _ = one(cc="SOM", t=t, d=d, start="2020-01-01", **kw)
    return r


def test_a_gbv_line_in_a_risk_sentence_is_passing_and_a_component_is_explicit() -> None:
    """Codebook rule 3: the sentence's role sets the level, not the word."""
    risk = _levels("Water points for villages. Gender-based violence is a risk at water points.")
    assert risk["protection"] == 1
    component = _levels(
        "Water points for villages. The project provides case management and psychosocial "
        "support to survivors of gender-based violence."
    )
    assert component["protection"] == 2


def test_many_passing_mentions_stay_one_passing_mention() -> None:
    d = " ".join(
        f"Households in district {i} face high rates of violence against women." for i in range(8)
    )
    assert _levels("Cash for food. " + d)["protection"] == 1


def test_concepts_match_across_intervening_words() -> None:
    r = _levels("The programme trains women delegates and mediators for the district peace talks.")
    assert r["participation"] == 2
    r = _levels(
        "Mobile courts investigate and prosecute cases of sexual violence committed by armed "
        "groups."
    )
    assert r["prevention"] == 2 and r["protection"] == 2  # prosecuting SV: both (rule 2)


def test_examples_from_elsewhere_count_one_at_most() -> None:
    r = _levels(
        "A framework grant for partner organisations. Examples of expected outcomes elsewhere "
        "are: women's political participation has been strengthened in Mali."
    )
    assert r["participation"] == 1


def test_principal_follows_the_main_objective_not_only_the_title() -> None:
    r = _levels(
        "The overall objective of the project is to promote gender equality and women's "
        "economic empowerment in the region. It trains 400 women in business skills.",
        t="Regional market programme",
    )
    assert r["marker_assessed"] == 2
    # A gender-responsive qualifier of another aim is 0 (codebook rule 4).
    r = _levels("The project builds gender-responsive roads and bridges in the district.")
    assert r["marker_assessed"] == 0


def test_women_as_the_target_group_of_an_activity_is_significant() -> None:
    r = _levels(
        "The project trains 300 farmers, of whom at least 60% will be women, in irrigation."
    )
    assert r["marker_assessed"] == 1
    # Listed among others, women are a passing mention (codebook rule 3).
    r = _levels("The project trains farmers, women and men, youth and the elderly, in irrigation.")
    assert r["marker_assessed"] == 0


def test_relief_needs_a_crisis_or_recovery_framing() -> None:
    """Routine services for women in a fragile country: relief 1; in a relief response: 2."""
    routine = _levels("The clinic offers antenatal care to pregnant women in the district.")
    assert routine["relief_recovery"] == 1
    framed = _levels(
        "Emergency food assistance and hygiene kits for displaced households; pregnant women "
        "receive cash transfers."
    )
    assert framed["relief_recovery"] == 2


def test_no_pillar_from_a_purpose_code_or_a_partner_name_alone() -> None:
    r = _levels("Contribution to the country programme.", t="Core contribution", sc=15180)
    assert r["protection"] == 0
    r = _levels("Contribution through UN Women to the country programme.", t="Core contribution")
    assert r["participation"] <= 1


def test_sentence_role_is_on_the_evidence() -> None:
    _, ev = one(
        cc="SOM",
        t="Community programme",
        d="Gender-based violence is a risk at water points.",
        start="2020-01-01",
    )
    row = ev[ev["criterion"] == "protection.sgbv"].iloc[0]
    assert "risk" in row["sentence_role"]

"""The rubric as data: every criterion complete and sourced, the version a content hash, the
reference lists present, the generated doc current, and the matcher's folding consistent."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.errors import ConfigurationError
from screening.rubric import (
    DEFAULT_RUBRIC,
    FRAGILE_COLUMNS,
    PILLARS,
    REQUIRED,
    check_criterion,
    compute_version,
    load_rubric,
)
from screening.screen import load_rates
from screening.textmatch import (
    Corpus,
    Matcher,
    fold_array,
    fold_text,
    has_words_from,
    pattern_for,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def test_every_criterion_is_complete_and_sourced(raw: dict) -> None:
    problems = [p for spec in raw["criteria"] for p in check_criterion(spec)]
    assert problems == []
    for spec in raw["criteria"]:
        for key in ("id", "label", "framework", "paragraph", "source", "message"):
            assert str(spec.get(key, "")).strip(), f"{spec.get('id')} lacks {key}"


@pytest.mark.parametrize("key", [k for k in REQUIRED if k != "weight"])
def test_a_criterion_missing_a_field_is_refused(raw: dict, key: str, tmp_path: Path) -> None:
    broken = copy.deepcopy(raw)
    del broken["criteria"][2][key]
    assert any(key in p for p in check_criterion(broken["criteria"][2]))
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(ConfigurationError):
        load_rubric(path)


def test_version_is_a_content_hash(raw: dict) -> None:
    rb = load_rubric()
    assert rb.version.startswith("wps-") and len(rb.version) == len("wps-") + 12
    reordered = dict(reversed(list(raw.items())))
    assert compute_version("wps", reordered, [b"x"]) == compute_version("wps", raw, [b"x"])
    changed = copy.deepcopy(raw)
    changed["criteria"][2]["weight"] = 9
    assert compute_version("wps", changed, [b"x"]) != compute_version("wps", raw, [b"x"])
    assert compute_version("wps", raw, [b"y"]) != compute_version("wps", raw, [b"x"])


def test_comments_do_not_change_the_version(tmp_path: Path) -> None:
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8")
    path = tmp_path / "wps.yaml"
    path.write_text("# a new comment\n" + text, encoding="utf-8")
    assert load_rubric(path).version == load_rubric().version


def test_rubric_covers_the_frameworks() -> None:
    rb = load_rubric()
    for pillar in PILLARS:
        assert any(pillar in c.pillars and c.severity == "core" for c in rb.criteria), pillar
    acronyms = {a.upper() for c in rb.criteria for a in c.acronyms}
    assert {"GBV", "SGBV", "CRSV", "FGM", "SRHR", "DDR", "SSR", "WPS", "PSEA"} <= acronyms
    codes = {x for c in rb.criteria for x in c.purpose_codes}
    assert {15170, 15180, 15220, 15230, 15240, 15250, 15261, 13020} <= codes
    partners = {p for c in rb.criteria for p in c.partners}
    assert {"UN Women", "WPHF", "UNFPA"} <= partners
    frameworks = {c.framework for c in rb.criteria}
    assert {"UNSCR 1325", "Denmark action plan 2005", "OECD DAC gender marker"} <= frameworks
    assert any("IASC" in c.paragraph for c in rb.criteria)
    roles = {c.marker for c in rb.criteria}
    assert {
        "gender_analysis",
        "gender_objective",
        "gender_indicator",
        "sex_disaggregated",
        "boilerplate",
        "safeguarding",
        "beneficiary_list",
        "not_targeted",
    } <= roles
    for cid in (
        "protection.sgbv",
        "participation.decision_making",
        "marker.gender_objective",
        "counter.boilerplate",
    ):
        assert {"en", "da", "fr"} <= set(rb.by_id[cid].terms), cid


def test_every_term_compiles_to_a_pattern() -> None:
    rb = load_rubric()
    for c in rb.criteria:
        for term in (
            [t for ts in c.terms.values() for t in ts] + list(c.acronyms) + list(c.partners)
        ):
            assert pattern_for(term).strip(), (c.id, term)
    assert pattern_for("participat*") == " participat"
    assert pattern_for("Kønsbaseret vold") == " konsbaseret vold "
    assert pattern_for("women's") == " women s "


def test_fragile_contexts_reference() -> None:
    """Dated lists, each row with its source; the years of a list's editions do not overlap,
    and rows not checked against a published list say so."""
    f = pd.read_csv(ROOT / "data" / "reference" / "fragile_contexts.csv", dtype=str)
    assert list(f.columns) == list(FRAGILE_COLUMNS)
    assert f["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert not f.duplicated(["iso3", "list", "edition"]).any()
    assert f["edition"].str.fullmatch(r"\d{4}").all()
    assert f["source"].str.len().gt(20).all()
    assert set(f["verified"]) <= {"yes", "no"}
    assert (f.loc[f["verified"] == "no", "source"].str.contains("not verified")).all()
    oecd = set(f.loc[f["list"] == "oecd", "edition"])
    assert {"2015", "2016", "2018", "2020", "2022", "2025"} <= oecd and min(oecd) < "2015"
    spans = f.drop_duplicates(["list", "edition"]).copy()
    spans["lo"] = pd.to_numeric(spans["from_year"]).fillna(0)
    spans["hi"] = pd.to_numeric(spans["to_year"]).fillna(9999)
    for _, part in spans.groupby("list"):
        part = part.sort_values("lo")
        assert (part["lo"].to_numpy()[1:] > part["hi"].to_numpy()[:-1]).all()
    latest = f[(f["list"] == "oecd") & (f["edition"] == max(oecd))]
    assert {
        "AFG",
        "SDN",
        "SSD",
        "SOM",
        "COD",
        "MLI",
        "YEM",
        "SYR",
        "CAF",
        "TCD",
        "ETH",
        "HTI",
        "IRQ",
        "UGA",
    } <= set(latest["iso3"])


def test_exchange_rates_reference() -> None:
    r = load_rates()
    need = {"DKK", "EUR", "USD", "GBP", "SEK", "NOK", "CHF", "JPY", "CAD", "AUD"}
    for year in range(2015, 2026):
        have = set(r.loc[r["year"] == year, "currency"])
        assert need <= have, year
    assert (r["per_usd"] > 0).all()
    assert (r.loc[r["currency"] == "USD", "per_usd"] == 1).all()
    assert not r.duplicated(["year", "currency"]).any()
    assert "source" in r.columns and r["source"].notna().all()


def test_generated_doc_is_current() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import rubric_doc

    current = (ROOT / "docs" / "rubric.md").read_text(encoding="utf-8")
    assert current == rubric_doc.render(load_rubric()), (
        "docs/rubric.md is stale: run scripts/rubric_doc.py"
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=8))
def test_column_folding_matches_term_folding(texts: list[str]) -> None:
    corpus = fold_array(pa.array(texts, type=pa.string()))
    for i, t in enumerate(texts):
        row = corpus.text[corpus.offsets[i] : corpus.offsets[i + 1]]
        expected = fold_text(t)
        assert row == (f" {expected} " if expected else " "), (t, row)


def _scan_by_sentence(matcher: Matcher, corpus: Corpus) -> tuple:
    """What the screen does: scan the distinct sentences, place the matches in the corpus."""
    sentences = corpus.sentences
    pid, start, end = matcher.scan(sentences.distinct)
    which, _, shift = sentences.place(sentences.distinct.rows_of(start))
    return pid[which], start[which] + shift, end[which] + shift


_PHRASE_WORDS = ["women", "peace", "gender", "based", "violence", "not", "the", "mediators", "x"]
_SEPARATORS = [" ", ". ", "; ", "! ", " - ", ".", "3.5"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(_PHRASE_WORDS), st.sampled_from(_SEPARATORS))),
        min_size=1,
        max_size=6,
    )
)
def test_sentence_scan_equals_a_full_scan_within_sentences(rows: list[list[tuple]]) -> None:
    """Scanning each distinct sentence once and placing its matches wherever it occurs finds
    exactly what one walk over the whole column finds, less the phrases that run from one
    sentence into the next, in the same order."""
    texts = ["".join(w + s for w, s in row) for row in rows]
    texts += texts[:2]  # repeated rows and sentences
    matcher = load_rubric().terms.matcher
    corpus = fold_array(pa.array(texts, type=pa.string()))
    pid, start, end = _scan_by_sentence(matcher, corpus)
    cuts = corpus.sentences.starts  # row starts and ends, and sentence ends
    expected = []
    for last, p in matcher.automaton.iter(corpus.text):
        s, e = last + 1 - matcher.lengths[p], last + 1
        inside = cuts[(cuts > s) & (cuts < e - 1)]
        if not len(inside):
            expected.append((p, s, e))
    assert list(zip(pid.tolist(), start.tolist(), end.tolist(), strict=True)) == expected
    for p, s, e in expected:
        assert corpus.text[s:e] == matcher.patterns[p]


def test_a_phrase_does_not_run_across_a_sentence_end() -> None:
    matcher = load_rubric().terms.matcher

    def found(text: str) -> set[str]:
        pid, _, _ = _scan_by_sentence(matcher, fold_array(pa.array([text])))
        return {matcher.patterns[p].strip() for p in pid}

    assert "gender based violence" in found("They face gender-based violence.")
    assert "gender based violence" not in found("Gender. Based violence rose.")


@pytest.mark.parametrize(
    ("text", "at_least", "expected"),
    [
        ("Roads for the farmers", 1, True),
        ("Roads for the farmers", 2, True),  # "for" and "the": next to each other, both count
        ("Roads. The farmers", 2, False),
        ("Theatre and forestry", 2, False),  # whole words only
        ("Veje og broer til landmænd", 2, True),
        ("", 1, False),
    ],
)
def test_has_words_from(text: str, at_least: int, expected: bool) -> None:
    corpus = fold_array(pa.array([text, "and"]))
    got = has_words_from(corpus, ["the", "for", "and", "og", "til"], at_least)
    assert got.tolist() == [expected, at_least == 1]

"""Channels, pillars, marker flags and benchmark figures each have one home."""

from __future__ import annotations

import re
from pathlib import Path

from screening import rules, vocabulary
from screening.rubric import PILLARS, load_rubric
from screening.screen import FLAGS

PROJECT = Path(__file__).resolve().parents[1]


def test_the_rubric_and_screening_use_the_vocabulary() -> None:
    # screening/rubric.py and screen.py keep their own tuples until issue 9 switches them to
    # screening.vocabulary; until then they must agree.
    assert tuple(vocabulary.PILLARS) == PILLARS
    assert tuple(vocabulary.FLAGS) == FLAGS


def test_every_channel_has_its_suite_and_every_sheet_channel_is_a_channel() -> None:
    for channel in vocabulary.CHANNELS:
        assert (PROJECT / "expectations" / f"{channel}.json").is_file(), channel
    assert set(rules.field_table()["sheet_channels"]) <= set(vocabulary.CHANNELS)


def test_benchmark_figures_are_written_only_in_the_rubric() -> None:
    """No share of a benchmark appears as a number in the schema or a face."""
    shares = {float(b["share"]) for b in load_rubric().benchmarks}
    codes = {c for b in load_rubric().benchmarks for c in b.get("purpose_codes") or ()}
    assert shares and codes
    for path in [PROJECT / "screening" / "sql" / "schema.sql", *PROJECT.glob("faces/*.py")]:
        text = re.sub(r"COMMENT ON .*", "", path.read_text(encoding="utf-8"))
        numbers = {float(n) for n in re.findall(r"(?<![\w.])0\.\d+", text)}
        assert not numbers & shares, f"{path.name} writes a benchmark figure"
        assert not {c for c in codes if str(c) in text}, f"{path.name} lists purpose codes"

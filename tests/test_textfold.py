"""One text folding for headers, reference names and rubric matching."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from screening.rules import header_key
from screening.textmatch import fold_text


def test_letters_nfkd_leaves_alone_fold_the_same_everywhere() -> None:
    cases = [("Łódź", "lodz"), ("Ærø", "aero"), ("Straße", "strasse"),
             ("Þórshöfn", "thorshofn"), ("Œuvre", "oeuvre"), ("Đakovo", "dakovo")]  # fmt: skip
    for text, folded in cases:
        assert header_key(text) == folded
        assert fold_text(text) == folded


@given(st.text(max_size=30))
def test_header_key_is_the_rubric_folding_without_spaces(text: str) -> None:
    assert header_key(text) == fold_text(text).replace(" ", "")

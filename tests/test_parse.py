"""Parsers of cell text: a table of every accepted form, and Hypothesis round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening import parse
from screening.rules import header_key


def strings(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def one_amount(text: str) -> tuple[float | None, bool, str | None]:
    value, failed, currency = parse.parse_amount(strings(text))
    v, c = value.iloc[0], currency.iloc[0]
    return (None if pd.isna(v) else float(v)), bool(failed.iloc[0]), (None if pd.isna(c) else c)


def one_date(text: str) -> tuple[dt.date | None, bool]:
    value, failed = parse.parse_date(strings(text))
    v = value.iloc[0]
    return (None if pd.isna(v) else v.date()), bool(failed.iloc[0])


# --------------------------------------------------------------------------- amounts

AMOUNTS = [
    ("1,234,567.50", 1234567.5, None),
    ("1.234.567,50", 1234567.5, None),
    ("1 234 567", 1234567.0, None),
    ("1\xa0234\xa0567", 1234567.0, None),
    ("1\u2009234\u2009567,25", 1234567.25, None),
    ("1\u202f234", 1234.0, None),
    ("DKK 2.5m", 2_500_000.0, "DKK"),
    ("2,5 mio.", 2_500_000.0, None),
    ("2,5 mio. kr.", 2_500_000.0, "DKK"),
    ("USD 1.2 million", 1_200_000.0, "USD"),
    ("3 mia.", 3_000_000_000.0, None),
    ("2 bn", 2_000_000_000.0, None),
    ("kr. 500.000", 500_000.0, "DKK"),
    ("500.000 kr", 500_000.0, "DKK"),
    ("500.000,-", 500_000.0, None),
    ("12.5k", 12_500.0, None),
    ("1234567.5", 1234567.5, None),
    ("1234567", 1234567.0, None),
    ("1.5e+06", 1_500_000.0, None),
    ("-500", -500.0, None),
    ("\u2212500", -500.0, None),
    ("(1,000)", -1000.0, None),
    ("(DKK 1.000)", -1000.0, "DKK"),
    ("DKK -500", -500.0, "DKK"),
    ("€ 1.000", 1000.0, "EUR"),
    ("$12", 12.0, "USD"),
    ("US$ 12", 12.0, "USD"),
    ("500 SEK", 500.0, "SEK"),
    ("1.234", 1234.0, None),  # one separator, three digits after: thousands
    ("1,234", 1234.0, None),
    ("2,5", 2.5, None),  # otherwise decimal
    ("1234.50", 1234.5, None),
    ("0,500", 0.5, None),  # a leading 0 never starts a thousands group
    ("  12,5 mio  ", 12_500_000.0, None),
]


@pytest.mark.parametrize(("text", "expected", "currency"), AMOUNTS)
def test_amount_forms(text: str, expected: float, currency: str | None) -> None:
    assert one_amount(text) == (pytest.approx(expected), False, currency)


@pytest.mark.parametrize("text", ["abc", "12 abc", "DKK", "1 23", "1,23,456", "12-5", "1.2.3"])
def test_amount_not_a_number_fails(text: str) -> None:
    assert one_amount(text) == (None, True, None)


@pytest.mark.parametrize("text", [None, "", "  ", "-", "N/A", "n.a.", "TBD", "\xa0"])
def test_amount_blank_is_na_not_failed(text: str | None) -> None:
    assert one_amount(text) == (None, False, None)


def test_amount_keeps_index_and_handles_repeats() -> None:
    s = pd.Series(["1.000", "x", None, "1.000"], index=[10, 3, 7, 1], dtype="string")
    value, failed, _ = parse.parse_amount(s)
    assert list(value.index) == [10, 3, 7, 1]
    assert value.dtype == "Float64"
    assert value.tolist() == [1000.0, pd.NA, pd.NA, 1000.0]
    assert failed.tolist() == [False, True, False, False]


money = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


def english(d: Decimal) -> str:
    return f"{d:,.2f}"


def danish(d: Decimal) -> str:
    return f"{d:,.2f}".translate(str.maketrans(",.", ".,"))


def spaced(d: Decimal, space: str) -> str:
    return f"{d:,.2f}".replace(",", space).replace(".", ",")


@settings(max_examples=300)
@given(money, st.sampled_from(["en", "da", "nbsp", "thin", "plain", "int-en", "int-da"]))
def test_amount_round_trip(d: Decimal, style: str) -> None:
    text = {
        "en": english(d),
        "da": danish(d),
        "nbsp": spaced(d, "\xa0"),
        "thin": spaced(d, "\u2009"),
        "plain": str(d),
        "int-en": f"{int(d):,}",
        "int-da": f"{int(d):,}".replace(",", "."),
    }[style]
    expected = float(int(d)) if style.startswith("int") else float(d)
    assert one_amount(text) == (pytest.approx(expected), False, None)


@given(
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal("9999.9"), places=1),
    st.sampled_from(
        [("m", 1e6), (" mio.", 1e6), (" million", 1e6), (" mia.", 1e9), ("bn", 1e9), ("k", 1e3)]
    ),
    st.sampled_from(["DKK ", "USD ", "kr. ", ""]),
    st.sampled_from([".", ","]),
    st.booleans(),
)
def test_amount_round_trip_with_multiplier(
    d: Decimal, suffix: tuple[str, float], prefix: str, point: str, in_parentheses: bool
) -> None:
    word, factor = suffix
    text = f"{prefix}{str(d).replace('.', point)}{word}"
    if in_parentheses:
        text = f"({text})"
    value, failed, currency = one_amount(text)
    sign = -1 if in_parentheses else 1
    assert value == pytest.approx(sign * float(d) * factor)
    assert not failed
    assert currency == {"DKK ": "DKK", "USD ": "USD", "kr. ": "DKK", "": None}[prefix]


# --------------------------------------------------------------------------- dates

DATES = [
    ("2024-03-01", dt.date(2024, 3, 1)),
    ("2024-03-01T00:00:00", dt.date(2024, 3, 1)),
    ("2024-03-01 13:45:00", dt.date(2024, 3, 1)),
    ("2019-06-30T00:00:00Z", dt.date(2019, 6, 30)),
    ("2019-06-30+01:00", dt.date(2019, 6, 30)),
    ("01-03-2024", dt.date(2024, 3, 1)),
    ("01.03.2024", dt.date(2024, 3, 1)),
    ("01/03/2024", dt.date(2024, 3, 1)),
    ("1.3.24", dt.date(2024, 3, 1)),
    ("1 March 2024", dt.date(2024, 3, 1)),
    ("March 2024", dt.date(2024, 3, 1)),
    ("March 1, 2024", dt.date(2024, 3, 1)),
    ("marts 2024", dt.date(2024, 3, 1)),
    ("1. marts 2024", dt.date(2024, 3, 1)),
    ("15. Maj 2023", dt.date(2023, 5, 15)),
    ("okt. 2023", dt.date(2023, 10, 1)),
    ("Oct 2023", dt.date(2023, 10, 1)),
    ("sept 2021", dt.date(2021, 9, 1)),
    ("mar-24", dt.date(2024, 3, 1)),
    ("01-Mar-2024", dt.date(2024, 3, 1)),
    ("2024", dt.date(2024, 1, 1)),
    ("2024-03", dt.date(2024, 3, 1)),
    ("45352", dt.date(2024, 3, 1)),
    ("45352.0", dt.date(2024, 3, 1)),
    ("29.02.2024", dt.date(2024, 2, 29)),
    ("\xa02024-03-01 ", dt.date(2024, 3, 1)),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_date_forms(text: str, expected: dt.date) -> None:
    assert one_date(text) == (expected, False)


@pytest.mark.parametrize(
    "text", ["afventer", "32-13-2024", "29-02-2023", "12345", "1899", "Q1 2024", "2024-13-01"]
)
def test_date_invalid_fails(text: str) -> None:
    assert one_date(text) == (None, True)


@pytest.mark.parametrize("text", [None, "", "N/A", "-", "tbd"])
def test_date_blank_is_na_not_failed(text: str | None) -> None:
    assert one_date(text) == (None, False)


# Issue 11, problem 6: a year or month alone as an end date means the end of that period.
END_DATES = [
    ("2028", dt.date(2028, 12, 31)),
    ("marts 2026", dt.date(2026, 3, 31)),
    ("2024-02", dt.date(2024, 2, 29)),
    ("Feb 2023", dt.date(2023, 2, 28)),
    ("15. maj 2023", dt.date(2023, 5, 15)),
    ("2024-03-01", dt.date(2024, 3, 1)),
    ("45352", dt.date(2024, 3, 1)),
]


@pytest.mark.parametrize(("text", "expected"), END_DATES)
def test_end_date_of_a_year_or_month_is_its_last_day(text: str, expected: dt.date) -> None:
    value, failed = parse.parse_date(strings(text), end=True)
    assert value.iloc[0].date() == expected
    assert not failed.iloc[0]


def test_start_date_of_a_year_is_its_first_day() -> None:
    value, _ = parse.parse_date(strings("2028", "marts 2026"))
    assert [v.date() for v in value] == [dt.date(2028, 1, 1), dt.date(2026, 3, 1)]


def test_date_dtype_is_seconds_at_midnight() -> None:
    value, _ = parse.parse_date(strings("2024-03-01T10:30:00", None))
    assert value.dtype == "datetime64[s]"
    assert value.iloc[0] == pd.Timestamp("2024-03-01")


EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DA_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]


@settings(max_examples=300)
@given(
    st.dates(min_value=dt.date(1960, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(["iso", "iso-t", "dmy-", "dmy.", "dmy/", "en", "da", "serial"]),
)
def test_date_round_trip(d: dt.date, style: str) -> None:
    text = {
        "iso": d.isoformat(),
        "iso-t": f"{d.isoformat()}T00:00:00",
        "dmy-": d.strftime("%d-%m-%Y"),
        "dmy.": d.strftime("%d.%m.%Y"),
        "dmy/": d.strftime("%d/%m/%Y"),
        "en": f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}",
        "da": f"{d.day}. {DA_MONTHS[d.month - 1]} {d.year}",
        "serial": str((d - dt.date(1899, 12, 30)).days),
    }[style]
    assert one_date(text) == (d, False)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["en", "da", "abbr", "year"]),
)
def test_month_or_year_round_trip_to_first_day(d: dt.date, style: str) -> None:
    text = {
        "en": f"{EN_MONTHS[d.month - 1]} {d.year}",
        "da": f"{DA_MONTHS[d.month - 1]} {d.year}",
        "abbr": f"{EN_MONTHS[d.month - 1][:3]}. {d.year}",
        "year": str(d.year),
    }[style]
    expected = d.replace(day=1) if style != "year" else d.replace(month=1, day=1)
    assert one_date(text) == (expected, False)


# --------------------------------------------------------------------------- coded fields

GENDER_MARKERS = [
    ("0", 0),
    ("1", 1),
    ("2", 2),
    ("1.0", 1),
    ("2.0", 2),
    ("Principal", 2),
    ("principal objective", 2),
    ("Hovedformål", 2),
    ("Hovedmål", 2),
    ("Significant", 1),
    ("Væsentligt", 1),
    ("Betydeligt", 1),
    ("Delmål", 1),
    ("Not targeted", 0),
    ("Ikke målrettet", 0),
    ("Ikke rettet mod", 0),
    ("2 - Principal", 2),
    ("Significant (1)", 1),
    ("Not targeted (0)", 0),
    (" PRINCIPAL ", 2),
]


@pytest.mark.parametrize(("text", "expected"), GENDER_MARKERS)
def test_gender_marker_forms(text: str, expected: int) -> None:
    value, failed = parse.parse_gender_marker(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


@pytest.mark.parametrize("text", ["3", "10", "x", "2 - Significant", "2a"])
def test_gender_marker_invalid(text: str) -> None:
    value, failed = parse.parse_gender_marker(strings(text))
    assert pd.isna(value.iloc[0]) and failed.iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("4", 4),
        ("4.0", 4),
        ("3 - Likely to contribute to gender equality", 3),
        ("4 - Gender and age mainstreamed", 4),
    ],
)
def test_gam_code_forms(text: str, expected: int) -> None:
    value, failed = parse.parse_gam_code(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


@pytest.mark.parametrize("text", ["5", "M", "2a", "high"])
def test_gam_code_invalid(text: str) -> None:
    _, failed = parse.parse_gam_code(strings(text))
    assert failed.iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pipeline", "pipeline"),
        ("Planned", "pipeline"),
        ("planlagt", "pipeline"),
        ("ongoing", "ongoing"),
        ("Active", "ongoing"),
        ("igangværende", "ongoing"),
        ("Igangvaerende", "ongoing"),
        ("I gang", "ongoing"),
        ("completed", "completed"),
        ("Closed", "completed"),
        ("finished", "completed"),
        ("Afsluttet", "completed"),
    ],
)
def test_status_forms(text: str, expected: str) -> None:
    value, failed = parse.parse_status(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bilateral", "bilateral"),
        ("Bilateralt", "bilateral"),
        ("Multilateral", "multilateral"),
        ("multilateralt", "multilateral"),
        ("Multi-bi", "multilateral"),
        ("Humanitarian", "humanitarian"),
        ("Humanitær", "humanitarian"),
        ("humanitaer", "humanitarian"),
    ],
)
def test_channel_forms(text: str, expected: str) -> None:
    value, failed = parse.parse_channel(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


def test_unknown_words_fail_and_blanks_do_not() -> None:
    status, status_failed = parse.parse_status(strings("on hold", "n/a", None))
    channel, channel_failed = parse.parse_channel(strings("regional", "-", None))
    assert status.isna().all() and channel.isna().all()
    assert status_failed.tolist() == [True, False, False]
    assert channel_failed.tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15170", 15170),
        ("15170.0", 15170),
        ("15170 - Women's rights organisations", 15170),
        ("15170: WRO", 15170),
        ("15170 Women's rights", 15170),
    ],
)
def test_purpose_code_forms(text: str, expected: int) -> None:
    value, failed = parse.parse_purpose_code(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


@pytest.mark.parametrize("text", ["151", "1517a", "151700", "abc"])
def test_purpose_code_not_five_digits_fails(text: str) -> None:
    _, failed = parse.parse_purpose_code(strings(text))
    assert failed.iloc[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DKK", "DKK"),
        ("dkk ", "DKK"),
        ("kr.", "DKK"),
        ("kr", "DKK"),
        ("€", "EUR"),
        ("US$", "USD"),
        ("$", "USD"),
        ("eur", "EUR"),
        ("NOK", "NOK"),
    ],
)
def test_currency_forms(text: str, expected: str) -> None:
    value, failed = parse.parse_currency(strings(text))
    assert (value.iloc[0], failed.iloc[0]) == (expected, False)


def test_currency_not_iso_fails() -> None:
    _, failed = parse.parse_currency(strings("XYZ", "Danish crowns"))
    assert failed.all()


# --------------------------------------------------------------------------- helpers


def test_clean_text_trims_and_blanks_but_keeps_formulas() -> None:
    cleaned = parse.clean_text(strings("\xa0 =SUM(A1:A3) ", "N/A", "--", "Ikke relevant", " x "))
    assert cleaned.tolist() == ["=SUM(A1:A3)", pd.NA, pd.NA, pd.NA, "x"]


@given(st.text(max_size=40))
def test_vectorised_fold_matches_header_key(text: str) -> None:
    assert parse._fold(pd.Series([text], dtype=parse.STRING)).iloc[0] == header_key(text)


def test_empty_series() -> None:
    empty = pd.Series([], dtype="string")
    value, failed, currency = parse.parse_amount(empty)
    dates, date_failed = parse.parse_date(empty)
    assert value.empty and failed.empty and currency.empty and dates.empty and date_failed.empty
    assert dates.dtype == "datetime64[s]"


# Spaces of every kind, blank markers and ordinary letters, so that trimming, blanking and
# word breaks all come up.
_TEXTS = st.lists(
    st.one_of(
        st.text(st.sampled_from(list(" \t\n\xa0\u2007\ufeff\u3000\x1cab=-/")), max_size=12),
        st.sampled_from(["N/A", "n/a ", " -- ", "Ikke relevant", "TBD", "", "Straße", "ﬃ"]),
        st.none(),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_clean_text_is_the_regex_it_replaces(values: list[str | None]) -> None:
    """clean_text trims with str.strip for speed: exactly what the regex `\\s` trim did."""
    s = strings(*values)
    odd = "[\u00a0\u2007\u2009\u202f\u200a\ufeff]"
    trimmed = s.astype(parse.STRING).str.replace(f"^(?:\\s|{odd})+|(?:\\s|{odd})+$", "", regex=True)
    expected = trimmed.mask(trimmed.str.casefold().isin(parse.blank_markers()))
    pd.testing.assert_series_equal(parse.clean_text(s), expected)


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_word_count_counts_runs_of_non_space(values: list[str | None]) -> None:
    s = strings(*values)
    expected = s.str.count(r"\S+").astype("Int64")
    pd.testing.assert_series_equal(parse.word_count(s), expected)

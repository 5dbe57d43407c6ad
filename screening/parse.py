"""Vectorised parsers for the text desk officers type into portfolio cells.

Every parser takes a pandas string Series (one cell per row, as `read` gives it) and returns
the parsed values plus a boolean `failed` Series on the same index: failed means "there was a
value and it could not be read", so blanks (empty cells and blank markers such as `N/A`, `-`)
come back as NA and *not* failed. Normalise turns `failed` into findings.

Work is done once per distinct cell text (portfolios repeat the same few markers, statuses and
dates thousands of times) with `.str` regex methods over those distinct values; the words the
parsers accept live in `screening/rules/vocabularies.yaml`, not here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from screening import textfold
from screening.config import RULES_DIR
from screening.errors import ConfigurationError
from screening.reference import currency_codes
from screening.rules import field_table, header_key, load_yaml

STRING = pd.StringDtype("python")
"""Parsers work in Python-backed strings so that regexes have Python `re` semantics everywhere."""

# Spaces Excel and Word put in numbers and dates: non-breaking, figure, thin, narrow no-break.
_ODD_SPACES = "[\u00a0\u2007\u2009\u202f\u200a\ufeff]"
_MINUS = "[-\u2212\u2013]"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's 1900 date system (it counts 1900 as a leap year, so day 60 is fictitious)."""
SERIAL_RANGE = (20000, 80000)
"""Excel serials read as dates: 1954-10-03 to 2119-01-10; outside this a number is not a date."""
YEAR_RANGE = (1900, 2100)


# --------------------------------------------------------------------------- vocabularies


@cache
def vocabularies() -> dict:
    """The raw vocabularies.yaml (see its header for sources)."""
    return load_yaml(RULES_DIR / "vocabularies.yaml")


def _index(section: str) -> dict[str, Any]:
    """Folded word -> canonical value for one vocabulary section; conflicts are config errors."""
    index: dict[str, object] = {}
    for value, words in (vocabularies().get(section) or {}).items():
        for word in [str(value), *words]:
            key = header_key(word)
            if index.setdefault(key, value) != value:
                raise ConfigurationError(
                    f"vocabularies.yaml: {section} word {word!r} means both "
                    f"{index[key]} and {value}"
                )
    return index


@cache
def month_index() -> dict[str, int]:
    """Folded month name or abbreviation -> month number."""
    return {k: int(v) for k, v in _index("months").items() if not k.isdigit()}


@cache
def multiplier_index() -> dict[str, float]:
    """Multiplier word as the amount pattern captures it (case-folded) -> factor."""
    return {
        str(word).casefold(): float(factor)
        for factor, words in vocabularies()["amount_multipliers"].items()
        for word in words
    }


@cache
def currency_index() -> dict[str, str]:
    """Token as written (case-folded, not key-folded: "$" must survive) -> ISO 4217 code."""
    index = {code.casefold(): code for code in currency_codes()}
    for code, words in vocabularies()["currency_symbols"].items():
        for word in words:
            index[str(word).casefold()] = str(code)
    return index


@cache
def blank_markers() -> frozenset[str]:
    """Cell texts that mean "empty", case-folded (fields.yaml: blank_markers)."""
    return frozenset(str(m).casefold() for m in field_table()["blank_markers"])


# --------------------------------------------------------------------------- helpers


# What clean_text trims: Python's whitespace (str.isspace, which is also what `\\s` matches in a
# regex on text) and the odd spaces above. str.strip with a set of characters trims in one
# pass, 25 times faster than a regex substitution on 40-word descriptions.
_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


@cache
def _longest_blank_marker() -> int:
    return max(map(len, blank_markers()), default=0)


def clean_text(s: pd.Series) -> pd.Series:
    """Trim ordinary and odd spaces; blank markers and empty cells become NA.

    Nothing else changes: text that looks like a formula or a number stays exactly as written.
    """
    s = s.astype(STRING).str.strip(_SPACES)
    # Only a short text can be a blank marker (case folding never shortens a text).
    short = s.str.len() <= _longest_blank_marker()
    return s.mask(s.where(short).str.casefold().isin(blank_markers()))


def word_count(s: pd.Series) -> pd.Series:
    """Words (runs of non-space characters) per text, as Int64 (NA for NA)."""
    counts = [
        len(text.split()) if isinstance(text, str) else None
        for text in s.to_numpy(dtype=object, na_value=None)
    ]
    return pd.Series(pd.array(counts, dtype="Int64"), index=s.index, name=s.name)


def _by_unique(
    s: pd.Series, parse: Callable[[pd.Series], tuple[pd.Series, ...]]
) -> tuple[pd.Series, ...]:
    """Run `parse` once per distinct cleaned text and spread the results back over `s`.

    `parse` receives the distinct, non-blank texts (a default-indexed string Series) and returns
    Series aligned to it, NA where the text could not be read. Returns those Series spread over
    `s`, followed by `failed`: the cell held a value and the first result is NA.
    """
    codes, uniques = pd.factorize(clean_text(s), use_na_sentinel=True)
    results = parse(pd.Series(uniques, dtype=STRING))
    # Position -1 (a blank cell) is not in the RangeIndex, so reindex gives NA in the right dtype.
    out = [result.reindex(codes).set_axis(s.index).rename(s.name) for result in results]
    failed = pd.Series(codes >= 0, index=s.index, name=s.name) & out[0].isna()
    return (*out, failed)


def _fold(s: pd.Series, sep: str = "") -> pd.Series:
    """`screening.rules.header_key` over a Series; with `sep`, word breaks become `sep`."""
    s = s.str.lower().str.normalize("NFKD").str.lower().str.translate(textfold.translation())
    return s.str.replace("[^0-9a-z]+", sep, regex=True).str.strip()


def _alternation(tokens: Iterable[str]) -> str:
    """A regex alternation of literal tokens, longest first so "mio" wins over "m"."""
    return "|".join(re.escape(t) for t in sorted(set(tokens), key=lambda t: (-len(t), t)))


# --------------------------------------------------------------------------- amounts


@cache
def _amount_pattern() -> str:
    # Any three letters may be an ISO code (checked after matching: one alternation of all 180
    # codes makes the regex several times slower); symbols and words are listed.
    symbols = (t for t in currency_index() if not re.fullmatch("[a-z]{3}", t))
    cur = f"{_alternation(symbols)}|[a-z]{{3}}"
    mult = _alternation(multiplier_index())
    return (
        f"^(?P<neg1>{_MINUS})?\\s*(?:(?P<cur1>{cur})\\s*)?(?P<neg2>{_MINUS}|\\+)?\\s*"
        r"(?P<num>[0-9][0-9.,' ’]*|[0-9]*\.?[0-9]+e[-+]?[0-9]+)\s*(?:[.,][-—])?\s*"
        f"(?:(?P<mult>{mult})\\.?)?\\s*(?P<cur2>{cur})?$"
    )


def _number(num: pd.Series) -> pd.Series:
    """Digits with separators -> Float64 (NA when the grouping makes no sense).

    A single separator followed by exactly three digits is a thousands separator (`1.234`,
    `1,234`), otherwise a decimal one (`2,5`, `1234.50`); with both, the last one is decimal.
    Spaces and apostrophes group thousands and must come in threes.
    """
    num = num.str.replace("[’']", " ", regex=True).str.strip()
    spaced = num.str.contains(" ", regex=False, na=False)
    bad_spacing = spaced & ~num.str.fullmatch(r"[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?", na=False)
    num = num.str.replace(" ", "", regex=False)
    single_thousands = ~spaced & num.str.fullmatch(r"[1-9][0-9]{0,2}[.,][0-9]{3}", na=False)
    english = num.str.fullmatch(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?", na=False)
    danish = num.str.fullmatch(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?", na=False)
    plain = num.str.fullmatch(r"[0-9]+(?:[.,][0-9]+)?|[0-9]*\.?[0-9]+e[-+]?[0-9]+", na=False)
    choices = [
        bad_spacing.to_numpy(),
        single_thousands.to_numpy(),
        english.to_numpy(),
        danish.to_numpy(),
        plain.to_numpy(),
    ]
    texts = [
        pd.Series(pd.NA, index=num.index, dtype=STRING),
        num.str.replace(r"[.,]", "", regex=True),
        num.str.replace(",", "", regex=False),
        num.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
        num.str.replace(",", ".", regex=False),
    ]
    picked = np.select(choices, [t.to_numpy(dtype=object) for t in texts], default=pd.NA)
    return pd.to_numeric(pd.Series(picked, index=num.index, dtype=STRING), errors="coerce").astype(
        "Float64"
    )


def _parse_amounts(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    t = text.str.replace(_ODD_SPACES, " ", regex=True).str.casefold().str.strip()
    negative_paren = t.str.fullmatch(r"\(.*\)", na=False)
    t = t.mask(negative_paren, t.str.slice(1, -1).str.strip())
    # Most cells are bare numbers: only the rest go through the full pattern.
    bare = t.str.fullmatch("[0-9][0-9.,]*", na=False)
    parts = t[~bare].str.extract(_amount_pattern()).reindex(t.index)
    parts["num"] = parts["num"].where(~bare, t)
    value = _number(parts["num"].astype(STRING))
    factor = parts["mult"].map(multiplier_index(), na_action="ignore").astype("Float64").fillna(1.0)
    negative = negative_paren | parts["neg1"].notna() | parts["neg2"].isin(list("-\u2212\u2013"))
    value = (value * factor).where(~negative, -(value * factor))
    token = parts["cur1"].fillna(parts["cur2"]).astype(STRING)
    currency = token.map(currency_index(), na_action="ignore").astype(STRING)
    value = value.mask(token.notna() & currency.isna())  # "12 abc": not a currency, not a number
    return value.astype("Float64"), currency


def parse_amount(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Amounts as typed -> (Float64 value, failed, currency code found in the text or NA).

    Accepts `1,234,567.50`, `1.234.567,50`, `1 234 567`, `DKK 2.5m`, `2,5 mio.`,
    `USD 1.2 million`, `3 mia.`, `kr. 500.000`, `500.000 kr`, `500,-`, `12.5k`, `(1,000)` and
    `-1000` (negative: validate rejects them, with the value shown), and numbers from numeric
    cells (`1234567.5`, `1.5e+06`). The currency lets normalise fill an empty currency column.
    """
    value, currency, failed = _by_unique(s, _parse_amounts)
    return value, failed, currency


# --------------------------------------------------------------------------- dates


def _float(s: pd.Series) -> pd.Series:
    """Digits as float64 (NaN for NA), the plain dtype the date arithmetic below needs."""
    return pd.to_numeric(s, errors="coerce").astype("Float64").astype(float)


def _year(two_or_four: pd.Series) -> pd.Series:
    """Two-digit years: 00-69 are 20xx, 70-99 are 19xx.

    Not Excel's cut-off (00-29 -> 20xx): portfolios hold end dates in the 2030s ("31.12.32").
    """
    y = _float(two_or_four)
    century = np.where(y < 70, 2000, 1900)
    return pd.Series(
        np.where(two_or_four.str.len().to_numpy(dtype=float, na_value=0) == 2, y + century, y),
        index=two_or_four.index,
    )


def _parse_dates(text: pd.Series, end: bool = False) -> tuple[pd.Series]:
    t = text.str.replace(_ODD_SPACES, " ", regex=True).str.casefold().str.strip()
    y = pd.Series(np.nan, index=t.index)
    m = y.copy()
    d = y.copy()
    # What the text named: a day, a month or a year. A month or year alone is a period, and an
    # end date of a period is its last day.
    period = pd.Series("day", index=t.index, dtype=object)

    def fill(
        mask: pd.Series,
        year: pd.Series,
        month: pd.Series,
        day: pd.Series | float,
        named: str | pd.Series = "day",
    ) -> None:
        todo = mask.fillna(False).to_numpy() & y.isna().to_numpy()
        y[todo] = year[todo]
        m[todo] = month[todo]
        d[todo] = day[todo] if isinstance(day, pd.Series) else day
        period[todo] = named[todo] if isinstance(named, pd.Series) else named

    # A time and a zone (IATI's xsd:date allows "2019-06-30Z") are dropped: the date is as written.
    time = r"(?:[t ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?(?:z|[+-][0-9]{2}:?[0-9]{2})?"
    iso = t.str.extract(f"^([0-9]{{4}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{1,2}}){time}$")
    fill(iso[0].notna(), _float(iso[0]), _float(iso[1]), _float(iso[2]))

    year_month = t.str.extract(r"^([0-9]{4})[-/]([0-9]{1,2})$")  # ISO 8601 "2024-03"
    fill(year_month[0].notna(), _float(year_month[0]), _float(year_month[1]), 1.0, "month")

    dmy = t.str.extract(r"^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4}|[0-9]{2})$")
    fill(dmy[0].notna(), _year(dmy[2]), _float(dmy[1]), _float(dmy[0]))

    # "1 March 2024", "1. marts 2024", "March 2024", "mar-24", "01-Mar-2024"
    words = t.str.extract(
        r"^(?:([0-9]{1,2})(?:st|nd|rd|th|\.)?[ \-/]*)?([^\W\d_]+)\.?[ \-/.,]*([0-9]{4}|[0-9]{2})$"
    )
    month = _fold(words[1].astype(STRING)).map(month_index(), na_action="ignore")
    day = _float(words[0])
    named = pd.Series(np.where(day.isna(), "month", "day"), index=t.index, dtype=object)
    fill(month.notna(), _year(words[2].astype(STRING)), month.astype(float), day.fillna(1.0), named)

    # "March 1, 2024"
    us = t.str.extract(r"^([^\W\d_]+)\.? ([0-9]{1,2})(?:st|nd|rd|th)?,? ([0-9]{4})$")
    month = _fold(us[0].astype(STRING)).map(month_index(), na_action="ignore")
    fill(month.notna(), _float(us[2]), month.astype(float), _float(us[1]))

    year = _float(t.where(t.str.fullmatch("[0-9]{4}", na=False)))
    fill(year.between(*YEAR_RANGE), year, pd.Series(1.0, index=t.index), 1.0, "year")

    dates = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce").astype(
        "datetime64[s]"
    )
    if end:
        dates = dates.mask(period == "month", dates + pd.offsets.MonthEnd(0))
        dates = dates.mask(period == "year", dates + pd.offsets.YearEnd(0))

    serial = _float(t.where(t.str.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?", na=False)))
    serial = np.floor(serial.where(serial.between(*SERIAL_RANGE)))
    from_serial = (EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).astype("datetime64[s]")
    return (dates.fillna(from_serial),)


def parse_date(s: pd.Series, end: bool = False) -> tuple[pd.Series, pd.Series]:
    """Dates as typed -> (datetime64[s] at midnight, failed).

    Day comes before month (`01-03-2024`, `01.03.2024`, `01/03/2024` are 1 March). Accepts ISO
    dates with or without a time, ISO year-months (`2024-03`), `1 March 2024`, `March 2024`,
    `1. marts 2024`, month names and abbreviations in Danish and English, `mar-24`, a year alone
    (1 January), and Excel serial numbers as text (`45352` -> 2024-03-01). A month or year alone
    means its first day, or with `end` (an end date) its last: a project that ends "2028" runs
    until 2028-12-31.
    """
    dates, failed = _by_unique(s, lambda t: _parse_dates(t, end))
    return dates.astype("datetime64[s]"), failed


# --------------------------------------------------------------------------- coded fields


def _parse_code(text: pd.Series, section: str, allowed: range) -> pd.Series:
    """A code given as a digit (`1`, `1.0`), words, or both (`2 - Principal`, `Significant (1)`).

    Digit and words must agree when both are known; words that are not in the vocabulary next
    to a digit are its description (`4 - Likely to contribute to gender equality ...`).
    """
    words = _fold(text, sep=" ")
    index = _index(section)
    lead = words.str.extract(r"^([0-9]+)(?: 0+)?(?: (.*))?$")
    trail = words.str.extract(r"^(.*) ([0-9]+)$")
    has_lead = lead[0].notna()
    digit = _float(lead[0].where(has_lead, trail[1]))
    rest = lead[1].where(has_lead, trail[0]).where(~np.isnan(digit), words).astype(STRING)
    word_value = rest.str.replace(" ", "", regex=False).map(index, na_action="ignore")
    word_value = pd.to_numeric(word_value, errors="coerce")
    agree = digit.isna() | word_value.isna() | (digit == word_value)
    value = digit.fillna(word_value).where(agree)
    return value.where(value.isin(list(allowed))).astype("Int64")


def _parse_word(text: pd.Series, section: str) -> pd.Series:
    return _fold(text).map(_index(section), na_action="ignore").astype(STRING)


def parse_gender_marker(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """DAC gender equality marker -> (Int64 0/1/2, failed); words in English or Danish."""
    return _by_unique(s, lambda t: (_parse_code(t, "gender_marker", range(3)),))


def parse_gam_code(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """IASC Gender with Age Marker -> (Int64 0-4, failed); the leading digit of a description."""
    return _by_unique(s, lambda t: (_parse_code(t, "gam_code", range(5)),))


def parse_status(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Project status -> (pipeline / ongoing / completed, failed); Danish words accepted."""
    return _by_unique(s, lambda t: (_parse_word(t, "status"),))


def parse_channel(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Aid channel -> (bilateral / multilateral / humanitarian, failed); Danish words accepted."""
    return _by_unique(s, lambda t: (_parse_word(t, "channel"),))


def parse_currency(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Currency column -> (ISO 4217 code, failed); symbols such as `kr.`, `€`, `US$` accepted."""
    return _by_unique(
        s,
        lambda t: (
            t.str.casefold().str.strip().map(currency_index(), na_action="ignore").astype(STRING),
        ),
    )


def parse_purpose_code(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Five-digit DAC purpose code -> (Int64, failed).

    Accepts `15170`, `15170.0` (numeric cells) and `15170 - Women's rights organisations`. Whether
    the code exists is the reference list's business (normalise checks it).
    """

    def parse(t: pd.Series) -> tuple[pd.Series]:
        code = t.str.extract(r"^([0-9]{5})(?:\.0+)?(?:(?:\s*[-–—:]\s*|\s+)\D.*)?$", expand=False)
        return (pd.to_numeric(code, errors="coerce").astype("Int64"),)

    return _by_unique(s, parse)

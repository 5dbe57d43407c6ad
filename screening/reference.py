"""Reference lists: countries, DAC recipients and regions, purpose codes, currencies, and the
CRS and IATI code lists (recipient codes, Bi/Multi, collaboration types, ...).

Each list is a CSV in data/reference/ (sources and editions in data/reference/README.md) or a
pycountry table, read once per process and cached, so normalising many uploads costs one read.
Lookups are keyed with `screening.rules.header_key`, the folding used for headers: case, accents,
spaces and punctuation never decide whether "Côte d'Ivoire", "cote divoire" and "COTE D'IVOIRE"
are the same country.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

from screening.config import REFERENCE_DIR
from screening.errors import ConfigurationError
from screening.rules import header_key, load_yaml

CODELISTS_PATH = Path(REFERENCE_DIR) / "crs_iati_codelists.yaml"
RECIPIENT_CODES_PATH = Path(REFERENCE_DIR) / "crs_recipient_codes.csv"
REGION_PREFIX = "R"
"""Regional recipients are stored in `recipient_country` as R + DAC recipient code (`R298`)."""


def _read_csv(name: str) -> list[dict[str, str]]:
    path = Path(REFERENCE_DIR) / name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise ConfigurationError(f"cannot read reference list {path}: {exc}") from exc


def _add(index: dict[str, str], name: str, code: str, source: str) -> None:
    """Add one name; a name that already means another code is a data error, not a choice."""
    key = header_key(name)
    if not key:
        return
    if index.setdefault(key, code) != code:
        raise ConfigurationError(
            f"{source}: {name!r} names both {index[key]} and {code}; fix the reference list"
        )


@cache
def country_lookup() -> dict[str, str]:
    """Folded name or code -> ISO alpha-3 code, or R-code for DAC regional recipients.

    Keys come from ISO 3166 (pycountry: alpha-2, alpha-3, name, common and official names),
    the DAC list's own names, Danish names, English aliases and the DAC regions.
    """
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_3
        for name in (country.alpha_3, country.alpha_2, country.name):
            _add(index, name, code, "pycountry")
        for attr in ("common_name", "official_name"):
            if hasattr(country, attr):
                _add(index, getattr(country, attr), code, "pycountry")
    for row in _read_csv("dac_oda_recipients.csv"):
        _add(index, row["alpha3"], row["alpha3"], "dac_oda_recipients.csv")
        _add(index, row["name"], row["alpha3"], "dac_oda_recipients.csv")
    for row in _read_csv("country_names_da.csv"):
        _add(index, row["name_da"], row["alpha3"], "country_names_da.csv")
    for row in _read_csv("country_aliases.csv"):
        _add(index, row["alias"], row["alpha3"], "country_aliases.csv")
    for row in _read_csv("dac_regions.csv"):
        names = [row["code"], row["name"], row["name_da"], *row["aliases"].split("|")]
        for name in names:
            _add(index, name, row["code"], "dac_regions.csv")
    return index


@cache
def oda_recipients() -> frozenset[str]:
    """Alpha-3 codes on the OECD DAC List of ODA Recipients (2024 and 2025 flows)."""
    return frozenset(row["alpha3"] for row in _read_csv("dac_oda_recipients.csv"))


@cache
def regions() -> frozenset[str]:
    """R-codes of the DAC regional recipients (`R298` for "Africa, regional")."""
    return frozenset(row["code"] for row in _read_csv("dac_regions.csv"))


@cache
def _display_names() -> dict[str, str]:
    """Code -> English display name: DAC wording first, as evaluators know it from OECD data."""
    names = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update((row["alpha3"], row["name"]) for row in _read_csv("dac_oda_recipients.csv"))
    names.update((row["code"], row["name"]) for row in _read_csv("dac_regions.csv"))
    return names


def country_name(code: str) -> str:
    """English display name of an alpha-3 or R-code; the code itself when it is not known."""
    return _display_names().get(code, code)


@cache
def purpose_codes() -> pd.DataFrame:
    """The DAC purpose codes: code (Int64 index), name, category, status, withdrawal_date."""
    frame = pd.DataFrame(_read_csv("dac_purpose_codes.csv"))
    frame = frame.astype({"code": "Int64"}).set_index("code")
    if not frame.index.is_unique:
        raise ConfigurationError("dac_purpose_codes.csv lists a purpose code twice")
    return frame.astype("string").replace("", pd.NA)


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 alphabetic codes (pycountry)."""
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@cache
def codelists() -> dict:
    """data/reference/crs_iati_codelists.yaml (Bi/Multi, IATI code lists, aggregate patterns)."""
    return load_yaml(CODELISTS_PATH)


@cache
def recipient_codes() -> dict[str, str]:
    """CRS recipient code (as text, no leading zeros) -> ISO alpha-3 or R-code."""
    try:
        with RECIPIENT_CODES_PATH.open(encoding="utf-8", newline="") as f:
            return {row["crs_code"].strip(): row["code"].strip() for row in csv.DictReader(f)}
    except (OSError, KeyError) as exc:
        raise ConfigurationError(f"cannot read {RECIPIENT_CODES_PATH}: {exc}") from exc


def channel_of_bi_multi(code: str | None) -> str | None:
    """Our channel for a CRS Bi/Multi or IATI collaboration-type code; None when unknown."""
    if not code:
        return None
    entry = codelists()["bi_multi"].get(code.strip())
    return entry["channel"] if entry else None


def is_humanitarian_purpose(purpose_code: str | None) -> bool:
    """True for DAC 5-digit purpose codes of sector VIII (720xx, 730xx, 740xx)."""
    if not purpose_code or len(purpose_code) != 5 or not purpose_code.isdigit():
        return False
    return purpose_code.startswith(tuple(codelists()["humanitarian_purpose_prefixes"]))


@cache
def danish_country_names() -> dict[str, str]:
    """Alpha-3 code -> Danish name (country_names_da.csv), for what is written in Danish."""
    return {row["alpha3"]: row["name_da"] for row in _read_csv("country_names_da.csv")}

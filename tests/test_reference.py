"""Reference lists: country matching in English and Danish, DAC recipients, purpose codes."""

from __future__ import annotations

import csv
import re

import pytest

from screening import reference
from screening.config import REFERENCE_DIR
from screening.rules import header_key


def lookup(text: str) -> str | None:
    return reference.country_lookup().get(header_key(text))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Danish names
        ("Etiopien", "ETH"),
        ("Sydsudan", "SSD"),
        ("Den Demokratiske Republik Congo", "COD"),
        ("Syrien", "SYR"),
        ("Irak", "IRQ"),
        ("Libanon", "LBN"),
        ("Palæstina", "PSE"),
        ("Egypten", "EGY"),
        ("Marokko", "MAR"),
        ("Tunesien", "TUN"),
        ("Libyen", "LBY"),
        ("Elfenbenskysten", "CIV"),
        ("Den Centralafrikanske Republik", "CAF"),
        ("Tchad", "TCD"),
        ("Georgien", "GEO"),
        ("Moldova", "MDA"),
        ("Kosovo", "XKX"),
        ("Burma", "MMR"),
        # ISO codes in any case
        ("UGA", "UGA"),
        ("uga", "UGA"),
        ("ug", "UGA"),
        ("Ke", "KEN"),
        ("xk", "XKX"),
        # English names, aliases and accents
        ("Uganda", "UGA"),
        ("Congo DRC", "COD"),
        ("DR Congo", "COD"),
        ("DRC", "COD"),
        ("Congo", "COG"),
        ("Ivory Coast", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("COTE D’IVOIRE", "CIV"),
        ("Palestine", "PSE"),
        ("West Bank and Gaza", "PSE"),
        ("OPT", "PSE"),
        ("Syria", "SYR"),
        ("Laos", "LAO"),
        ("South Sudan", "SSD"),
        ("Tanzania", "TZA"),
        ("Bolivia", "BOL"),
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("São Tomé and Príncipe", "STP"),
        ("Sao Tome and Principe", "STP"),
        ("  myanmar ", "MMR"),
    ],
)
def test_country_names_and_codes(text: str, code: str) -> None:
    assert lookup(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Africa, regional", "R298"),
        ("Afrika, regionalt", "R298"),
        ("africa regional", "R298"),
        ("South of Sahara, regional", "R289"),
        ("Asia, regional", "R798"),
        ("Middle East, regional", "R589"),
        ("Mellemøsten, regionalt", "R589"),
        ("America, regional", "R498"),
        ("Europe, regional", "R89"),
        ("Oceania, regional", "R889"),
        ("Far East Asia, regional", "R789"),
        ("South Asia, regional", "R679"),
        ("Central Asia, regional", "R619"),
        ("Bilateral, unspecified", "R998"),
        ("R298", "R298"),
    ],
)
def test_regions(text: str, code: str) -> None:
    assert lookup(text) == code
    assert code in reference.regions()


@pytest.mark.parametrize("text", ["Denmark", "Danmark", "Norway", "Norge", "Sweden", "Chile"])
def test_donor_countries_are_known_but_not_oda_recipients(text: str) -> None:
    code = lookup(text)
    assert code is not None
    assert code not in reference.oda_recipients()


def test_unknown_names_are_not_found() -> None:
    assert lookup("Narnia") is None
    assert lookup("Sahel") is None


def test_every_oda_recipient_has_a_danish_name_and_resolves_by_its_dac_name() -> None:
    with (REFERENCE_DIR / "country_names_da.csv").open(encoding="utf-8") as fh:
        danish = {row["alpha3"] for row in csv.DictReader(fh)}
    with (REFERENCE_DIR / "dac_oda_recipients.csv").open(encoding="utf-8") as fh:
        recipients = list(csv.DictReader(fh))
    assert {row["alpha3"] for row in recipients} <= danish
    for row in recipients:
        assert lookup(row["name"]) == row["alpha3"], row["name"]
        assert row["income_group"] in {"LDC", "OLIC", "LMIC", "UMIC"}


def test_country_names_for_display() -> None:
    assert reference.country_name("UGA") == "Uganda"
    assert reference.country_name("PSE") == "West Bank and Gaza Strip"
    assert reference.country_name("XKX") == "Kosovo"
    assert reference.country_name("R298") == "Africa, regional"
    assert reference.country_name("DNK") == "Denmark"
    assert reference.country_name("QQQ") == "QQQ"


def test_purpose_codes() -> None:
    codes = reference.purpose_codes()
    assert codes.index.dtype == "Int64" and codes.index.is_unique
    assert all(10000 <= code <= 99999 for code in codes.index)
    assert set(codes["status"]) == {"active", "withdrawn"}
    assert codes.loc[15170, "status"] == "active"
    assert codes.loc[15180, "name"] == "Ending violence against women and girls"
    assert codes.loc[15164, "status"] == "withdrawn"
    assert codes.loc[41050, "withdrawal_date"] == "2017-12-31"
    assert 72010 in codes.index and 12264 in codes.index


def test_currency_codes() -> None:
    assert {"DKK", "EUR", "USD", "SEK", "NOK", "GBP"} <= reference.currency_codes()
    assert "KR" not in reference.currency_codes()


def test_lookups_are_cached() -> None:
    assert reference.country_lookup() is reference.country_lookup()
    assert reference.purpose_codes() is reference.purpose_codes()


def test_readme_lists_every_reference_file() -> None:
    readme = (REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w.-]+\.csv)`", readme))
    assert {path.name for path in REFERENCE_DIR.glob("*.csv")} <= listed


def test_crs_recipient_codes_resolve_to_the_same_codes() -> None:
    """The CRS and IATI readers hand normalise codes and names from crs_recipient_codes.csv."""
    path = REFERENCE_DIR / "crs_recipient_codes.csv"
    if not path.exists():
        pytest.skip("crs_recipient_codes.csv is not there")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert lookup(row["code"]) == row["code"], row
            assert lookup(row["name"]) == row["code"], row
            if row["kind"] != "country":
                assert row["code"] in reference.regions(), row


def test_fragile_contexts_are_the_states_of_fragility_2022_list() -> None:
    """The 2022 edition: 60 contexts, 15 extremely fragile, as in the OECD's platform/agg.csv.
    (The file holds the other editions too, each with its years: see test_rubric.py.)"""
    with (REFERENCE_DIR / "fragile_contexts.csv").open(encoding="utf-8") as fh:
        every = list(csv.DictReader(fh))
    rows = [r for r in every if r["list"] == "oecd" and r["edition"] == "2022"]
    category = {row["iso3"]: row["category"] for row in rows}
    assert len(rows) == len(category) == 60
    extreme = {c for c, cat in category.items() if cat == "extremely fragile"}
    assert extreme == {
        "AFG",
        "BDI",
        "CAF",
        "COD",
        "COG",
        "ERI",
        "GNQ",
        "HTI",
        "IRQ",
        "SDN",
        "SOM",
        "SSD",
        "SYR",
        "TCD",
        "YEM",
    }
    assert set(category.values()) == {"extremely fragile", "fragile"}
    # Ethiopia and Mali are "other fragile" in 2022; Turkmenistan is on the list, Lebanon and
    # Malawi are not.
    assert category["ETH"] == category["MLI"] == category["TKM"] == "fragile"
    assert not {"LBN", "MWI"} & set(category)
    recipients = reference.oda_recipients()
    for row in every:
        assert row["iso3"] in recipients, row
        assert lookup(row["name"]) == row["iso3"], row
    # The verified editions, as the OECD's repositories list them (oecd-sfr-2020-master-public).
    for edition, size, extreme_count in (("2020", 57, 13), ("2018", 58, None), ("2016", 56, 15)):
        ed = [r for r in every if r["list"] == "oecd" and r["edition"] == edition]
        assert len(ed) == size and {r["verified"] for r in ed} == {"yes"}, edition
        if extreme_count is not None:
            assert sum(r["category"] == "extremely fragile" for r in ed) == extreme_count


def test_exchange_rates_say_which_rows_are_checked() -> None:
    with (REFERENCE_DIR / "exchange_rates.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["status"] for row in rows} == {"final", "provisional"}
    for row in rows:
        year = int(row["year"])
        if row["currency"] == "USD":
            assert row["per_usd"] == "1.0" and row["status"] == "final"
        elif year >= 2024:
            assert row["status"] == "provisional" and "UNVERIFIED" in row["source"], row
        else:
            assert row["status"] == "final", row
            assert row["source"].startswith(
                ("World Bank WDI PA.NUS.FCRF", "US Federal Reserve G.5A")
            ), row
    rate = {(int(r["year"]), r["currency"]): float(r["per_usd"]) for r in rows}
    assert rate[2015, "EUR"] == 0.9013 and rate[2021, "DKK"] == 6.2871
    assert rate[2023, "JPY"] == 140.5 and rate[2022, "GBP"] == 0.8083

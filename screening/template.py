"""What a portfolio template holds: its columns for a channel, and the values each coded column
accepts, from the same field table and reference lists the reader and validation use, so a
filled template reads back without a finding. `faces.template` writes it as a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening import reference
from screening.rules import FieldSpec, fields
from screening.vocabulary import CHANNELS

LANGUAGES = ("en", "da")
# The words written for coded values: a code with its meaning, which the parsers read back.
GENDER_MARKERS = {
    "en": ["0 - Not targeted", "1 - Significant", "2 - Principal"],
    "da": ["0 - Ikke målrettet", "1 - Væsentligt", "2 - Hovedformål"],
}
# IASC Gender with Age Marker (2018) codes; only the leading digit is read.
GAM_CODES = [
    "0 - Does not systematically link programming actions",
    "1 - Unlikely to contribute to gender equality (no gender measure, no age consideration)",
    "2 - Unlikely to contribute to gender equality (no gender measure, age considered)",
    "3 - Likely to contribute to gender equality, without attention to age groups",
    "4 - Likely to contribute to gender equality, including across age groups",
]
STATUSES = {"en": ["pipeline", "ongoing", "completed"],
            "da": ["planlagt", "igangværende", "afsluttet"]}  # fmt: skip
CHANNEL_WORDS = {"en": list(CHANNELS), "da": ["bilateral", "multilateral", "humanitær"]}
SHEET_NAMES = {"en": {"bilateral": "Bilateral", "multilateral": "Multilateral",
                      "humanitarian": "Humanitarian"},
               "da": {"bilateral": "Bilateral", "multilateral": "Multilateral",
                      "humanitarian": "Humanitær"}}  # fmt: skip


@dataclass(frozen=True)
class TemplateColumn:
    field: FieldSpec
    header: str
    required: bool  # required in every channel the template is for
    choices: str | None  # name of the list of accepted values (LIST_NAMES), if any


def columns(channel: str | None, lang: str = "en") -> list[TemplateColumn]:
    """The template's columns: for one channel, its required fields and the optional ones
    every channel uses; for all channels (`None`), every field, with a Channel column first.
    """
    wanted = [channel] if channel else list(CHANNELS)
    out = []
    for spec in fields().values():
        if spec.name == "channel" and channel:
            continue  # the sheet name gives it
        if spec.required_for and not set(spec.required_for) & set(wanted):
            continue  # gam_code on a bilateral sheet
        required = spec.name == "channel" or (
            bool(spec.required_for) and set(wanted) <= set(spec.required_for)
        )
        out.append(TemplateColumn(spec, spec.headers[lang], required, _CHOICES.get(spec.name)))
    if not channel:
        out.sort(key=lambda c: c.field.name != "channel")
    return out


_CHOICES = {
    "channel": "channel", "recipient_country": "country", "sector_code": "purpose_code",
    "currency": "currency", "gender_marker": "gender_marker", "gam_code": "gam_code",
    "status": "status",
}  # fmt: skip


def choices(lang: str = "en") -> dict[str, list[str]]:
    """Each list of accepted values, as the template offers them (one value a line)."""
    names = reference_names(lang)
    codes = reference.purpose_codes()
    active = codes[codes["status"] != "withdrawn"]
    return {
        "channel": CHANNEL_WORDS[lang],
        "country": sorted(names.values(), key=str.casefold),
        "purpose_code": [_purpose(code) for code in active.index],
        "currency": sorted(reference.currency_codes()),
        "gender_marker": GENDER_MARKERS[lang],
        "gam_code": GAM_CODES,
        "status": STATUSES[lang],
    }


def reference_names(lang: str) -> dict[str, str]:
    """ODA recipient code -> its name in `lang` (Danish where the reference list has one)."""
    danish = reference.danish_country_names() if lang == "da" else {}
    return {
        code: danish.get(code) or reference.country_name(code)
        for code in sorted(reference.oda_recipients())
    }


EXAMPLE_TEXT = {
    "title": "Women in local peace committees",
    "description": (
        "Supports women's participation in local peace committees and mediation in Acholi and "
        "Lango, trains women mediators, and funds survivors of sexual and gender-based violence "
        "with medical, legal and psychosocial services, with sex-disaggregated indicators."
    ),
    "objectives": "Women hold a third of the seats in the district peace committees.",
    "indicators": "Share of women among trained mediators (sex-disaggregated).",
    "partner": "UN Women",
    "cluster": "Protection",
}


def example(channel: str | None, lang: str = "en") -> dict[str, object]:
    """An example project, by field, that a template accepts without a finding."""
    import datetime as dt

    humanitarian = channel == "humanitarian"
    values: dict[str, object] = {
        **EXAMPLE_TEXT,
        "channel": CHANNEL_WORDS[lang][0],
        "project_id": "2025-UGA-01",
        "recipient_country": reference_names(lang)["UGA"],
        "sector_code": _purpose(72010 if humanitarian else 15220),
        "budget": 12_500_000,
        "currency": "DKK",
        "start_date": dt.date(2025, 1, 1),
        "end_date": dt.date(2027, 12, 31),
        "gender_marker": GENDER_MARKERS[lang][2],
        "gam_code": GAM_CODES[4],
        "status": STATUSES[lang][1],
    }
    return {c.field.name: values[c.field.name] for c in columns(channel, lang)}


def _purpose(code: int) -> str:
    return f"{code} - {reference.purpose_codes().loc[code, 'name']}"

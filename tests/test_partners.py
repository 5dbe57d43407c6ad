"""Partner organisation types, by the patterns in rules/partner_types.yaml."""

from __future__ import annotations

import pandas as pd
import pytest

from screening.partners import classify_partners, partner_type


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("UN Women", "United Nations"),
        ("UNFPA South Sudan", "United Nations"),
        ("Verdens Fødevareprogram (WFP)", "United Nations"),
        ("EU Trust Fund for Africa", "European Union"),
        ("NATO Building Integrity Trust Fund", "NATO"),
        ("OSCE/ODIHR", "OSCE"),
        ("African Union Commission", "African Union and African regional organisations"),
        ("IGAD", "African Union and African regional organisations"),
        ("World Bank (IDA)", "World Bank and development banks"),
        ("ICRC", "Red Cross and Red Crescent"),
        ("Ministry of Gender, Labour and Social Development", "Governments and public bodies"),
        ("Dansk Flygtningehjælp", "NGOs and civil society"),
        ("Women's Network for Peace", "NGOs and civil society"),
        ("Programme d'appui au développement", "Other"),  # "au" is not the African Union
        ("Acme Consulting Ltd", "Other"),
        ("", "No partner given"),
        (None, "No partner given"),
    ],
)
def test_partner_type(name: str | None, label: str) -> None:
    assert partner_type(name) == label


def test_classify_partners_keeps_the_index() -> None:
    partners = pd.Series(["UNDP", None, "UNDP"], index=[7, 8, 9], dtype="string")
    assert classify_partners(partners).to_dict() == {
        7: "United Nations", 8: "No partner given", 9: "United Nations"
    }

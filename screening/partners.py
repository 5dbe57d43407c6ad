"""Which kind of organisation a partner is (UN, EU, NATO, OSCE, AU, a government, an NGO...),
by the patterns in rules/partner_types.yaml, for the report's view by partner type."""

from __future__ import annotations

import re
from functools import cache

import pandas as pd

from screening.rules import RULES_DIR, load_yaml


@cache
def partner_types() -> tuple[dict, ...]:
    """The types in match order, each with `id`, `label` and compiled `pattern`."""
    spec = load_yaml(RULES_DIR / "partner_types.yaml")
    return tuple(
        {"id": t["id"], "label": t["label"], "pattern": _pattern(t)} for t in spec["types"]
    )


def _pattern(kind: dict) -> re.Pattern:
    """Names with case ignored, acronyms as whole words in their own case."""
    names = [f"(?i:{name})" for name in kind.get("names", ())]
    acronyms = [rf"(?<!\w){re.escape(a)}(?!\w)" for a in kind.get("acronyms", ())]
    return re.compile("|".join(names + acronyms))


@cache
def _fallbacks() -> tuple[str, str]:
    spec = load_yaml(RULES_DIR / "partner_types.yaml")
    return spec["other"], spec["missing"]


def partner_type(name: str | None) -> str:
    """The label of the first type whose patterns match `name`; Other, or No partner given."""
    other, missing = _fallbacks()
    if name is None or not str(name).strip():
        return missing
    for kind in partner_types():
        if kind["pattern"].search(str(name)):
            return kind["label"]
    return other


def classify_partners(partners: pd.Series) -> pd.Series:
    """`partner_type` of each partner, worked out once per distinct name."""
    names = partners.astype("string").fillna("")
    labels = {name: partner_type(name) for name in names.unique()}
    return names.map(labels).astype("string")

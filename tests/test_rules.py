"""The rule catalogue, the field table and the expectation suites agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from screening import rules
from screening.validate import SUITES, suite_definition

PROJECT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = {"file_name", "sheet", "row_number", "column", "value", "channel", "detail"}


def test_every_rule_is_documented() -> None:
    for rule in rules.rules().values():
        assert rule.title and rule.description and rule.message, rule.id
        used = set(re.findall(r"{(\w+)}", rule.message))
        assert used <= PLACEHOLDERS, f"{rule.id} uses unknown placeholders {used - PLACEHOLDERS}"


def test_every_rule_used_in_code_is_in_the_catalogue() -> None:
    """A rule id written in the code or the suites must exist in findings.yaml."""
    pattern = re.compile(
        r"""["']((?:upload|sheet|row|crs|required|project_id|channel|number|budget|date|dates|country|purpose_code|currency|gender_marker|gam_code|status|description)\.[a-z_]+)["']"""
    )
    sources = [
        *PROJECT.glob("screening/**/*.py"),
        *PROJECT.glob("flows/*.py"),
        *PROJECT.glob("expectations/*.json"),
    ]
    used = {m for path in sources for m in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern found no rule ids at all"
    unknown = used - set(rules.rules())
    assert not unknown, f"rules used but not documented in findings.yaml: {sorted(unknown)}"


@pytest.mark.parametrize("name", SUITES)
def test_suite_expectations_name_documented_rules(name: str) -> None:
    for expectation in suite_definition(name)["expectations"]:
        rule_id = expectation["meta"]["rule"]
        rule = rules.rule(rule_id)
        # GX's own severity says the same as the catalogue's.
        expected = {"error": "critical", "warning": "warning"}[rule.severity]
        assert expectation["severity"] == expected, (name, rule_id)


@pytest.mark.parametrize("channel", rules.CHANNELS)
def test_channel_suite_requires_what_the_field_table_requires(channel: str) -> None:
    required = {f.name for f in rules.fields().values() if channel in f.required_for}
    checked = {
        e["kwargs"]["column"]
        for e in suite_definition(channel)["expectations"]
        if e["type"] == "expect_column_values_to_not_be_null"
    }
    assert checked == required


def test_header_key_folds_case_accents_punctuation_and_newlines() -> None:
    assert rules.header_key("Budget\n(DKK)") == rules.header_key("budget dkk") == "budgetdkk"
    assert rules.header_key("Ligestillingsmarkør") == "ligestillingsmarkor"
    assert rules.header_key(" J.nr. ") == "jnr"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Projekt nr.", "project_id"),
        ("Bevilling", "budget"),
        ("DAC-kode", "sector_code"),
        ("Modtagerland", "recipient_country"),
        ("GAM code", "gam_code"),
        ("Budget\n(DKK)", "budget"),
        ("IATI identifier", "project_id"),
        ("Implementerende partner", "partner"),
    ],
)
def test_aliases_from_the_portfolio_format(header: str, field: str) -> None:
    assert rules.alias_index()[rules.header_key(header)] == field


def test_every_field_has_a_label_and_description() -> None:
    for spec in rules.fields().values():
        assert spec.label and spec.description and spec.aliases, spec.name

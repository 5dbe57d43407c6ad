"""The rule catalogue, the field table and the expectation suites agree with each other."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from screening import rules
from screening.errors import ConfigurationError
from screening.validate import SUITES, suite_definition
from screening.vocabulary import CHANNELS

PROJECT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = {"file_name", "sheet", "row", "row_number", "column", "value", "channel", "detail"}


def test_every_rule_is_documented() -> None:
    for rule in rules.rules().values():
        assert rule.title and rule.description and rule.message, rule.id
        for template in filter(None, (rule.message, rule.sheet_message)):
            used = set(re.findall(r"{(\w+)}", template))
            assert used <= PLACEHOLDERS, f"{rule.id}: unknown placeholders {used - PLACEHOLDERS}"


def test_the_documented_placeholders_are_the_known_ones() -> None:
    header = (PROJECT / "screening" / "rules" / "findings.yaml").read_text(encoding="utf-8")
    line = next(li for li in header.splitlines() if li.startswith("# Message placeholders:"))
    assert set(re.findall(r"{(\w+)}", line)) == PLACEHOLDERS


def test_row_messages_name_the_row_as_its_source_does() -> None:
    """No message says "Row {row_number}" itself: {row} reads "Line 12" or "Activity 5 (...)"
    where the source numbers its rows that way."""
    for rule in rules.rules().values():
        if re.search(r"{row(_number)?}", rule.message):
            assert rule.message.startswith("{row}"), rule.id


def test_row_labels() -> None:
    assert set(rules.row_kinds()) == {"row", "line", "activity"}
    for template in rules.row_kinds().values():
        assert set(re.findall(r"{(\w+)}", template)) == {"row_number"}
    assert rules.row_label("row", 12) == "Row 12"
    assert rules.row_label("line", 12) == "Line 12"
    assert rules.row_label("activity", 5, "XM-DAC-41114-PROJECT-00012") == (
        "Activity 5 (XM-DAC-41114-PROJECT-00012)"
    )
    for missing in (None, "", "  ", pd.NA):
        assert rules.row_label("activity", 5, missing) == "Activity 5"
    with pytest.raises(ConfigurationError):
        rules.row_label("paragraph", 1)


def test_make_findings_uses_the_row_label_else_the_worksheet_row() -> None:
    rows = pd.DataFrame(
        {
            "sheet": ["s", "s"],
            "row_number": pd.array([5, 12], dtype="Int64"),
            "channel": ["bilateral", "bilateral"],
            rules.ROW_LABEL: pd.array(["Activity 5 (XX-5)", pd.NA], dtype="string"),
            "budget": ["lots", "many"],
        }
    )
    found = rules.make_findings("number.invalid", rows, "budget")
    assert found["message"].tolist() == [
        'Activity 5 (XX-5): budget "lots" is not a number.',
        'Row 12: budget "many" is not a number.',
    ]
    assert found["row_number"].tolist() == [5, 12]
    without = rules.make_findings("number.invalid", rows.drop(columns=rules.ROW_LABEL), "budget")
    assert without["message"].iloc[0] == 'Row 5: budget "lots" is not a number.'
    # a message formatted directly says "Row N" unless told otherwise
    assert rules.rule("row.blank").format(row_number=7) == "Row 7 is blank."
    assert rules.rule("row.blank").format(row_number=7, row="Line 7") == "Line 7 is blank."


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


@pytest.mark.parametrize("channel", CHANNELS)
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

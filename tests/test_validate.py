"""The Great Expectations suites in expectations/ turn into row-level findings."""

from __future__ import annotations

import pandas as pd
import pytest

from screening.rules import findings_frame
from screening.validate import validate


def _projects(*rows: dict) -> pd.DataFrame:
    base = {
        "sheet": "Bilateral",
        "channel": "bilateral",
        "title": "Women mediators in Darfur",
        "description": "Supports women's participation in local peace committees.",
        "recipient_country": "SDN",
        "sector_code": 15220,
        "budget": 1_000_000.0,
        "partner": None,
        "start_date": None,
        "end_date": None,
        "gender_marker": 2,
        "gam_code": None,
        "description_words": 40,
    }
    frame = pd.DataFrame(
        [{**base, "row_number": 5 + i, "project_id": f"P{i}", **r} for i, r in enumerate(rows)]
    )
    return frame.astype(
        {
            "row_number": "Int64",
            "sector_code": "Int64",
            "gender_marker": "Int64",
            "gam_code": "Int64",
            "description_words": "Int64",
            "budget": "Float64",
            "start_date": "datetime64[s]",
            "end_date": "datetime64[s]",
            "channel": "string",
            "project_id": "string",
            "partner": "string",
            "title": "string",
            "description": "string",
        }
    )


def _compact(findings: pd.DataFrame) -> list[tuple]:
    return sorted(
        zip(findings["row_number"], findings["column_name"], findings["rule"], strict=True)
    )


def test_a_clean_project_has_no_findings() -> None:
    assert _compact(validate(_projects({}))) == []


def test_each_rule_reports_its_row_and_column() -> None:
    projects = _projects(
        {"budget": -5.0},
        {"project_id": "DUP"},
        {"project_id": "DUP"},
        {"start_date": "2024-05-01", "end_date": "2023-01-01"},
        {"title": None},
        {"gender_marker": 3},
        {"channel": "multilateral", "partner": None},
        {"channel": "humanitarian", "partner": "UNFPA", "gam_code": 7, "gender_marker": None},
        {"description_words": 12},
        {"channel": None},
    )
    assert _compact(validate(projects)) == [
        (5, "budget", "budget.negative"),
        (6, "project_id", "project_id.duplicate"),
        (7, "project_id", "project_id.duplicate"),
        (8, "end_date", "dates.end_before_start"),
        (9, "title", "required.missing"),
        (10, "gender_marker", "gender_marker.invalid"),
        (11, "partner", "required.missing"),
        (12, "gam_code", "gam_code.invalid"),
        (13, "description_words", "description.short"),
        (14, "channel", "channel.unknown"),
    ]


def test_messages_speak_to_a_desk_officer() -> None:
    findings = validate(
        _projects({"budget": -1250.5}, {"start_date": "2024-05-01", "end_date": "2023-01-01"})
    )
    messages = dict(zip(findings["rule"], findings["message"], strict=True))
    assert (
        messages["budget.negative"]
        == "Row 5: budget -1,250.5 is negative; budgets must be 0 or more."
    )
    assert (
        messages["dates.end_before_start"] == "Row 6: end date 2023-01-01 is before the start date."
    )


def test_a_value_that_failed_to_convert_is_not_also_reported_missing() -> None:
    prior = findings_frame(
        [
            {
                "sheet": "Bilateral",
                "row_number": 5,
                "column_name": "budget",
                "value": "afventer",
                "rule": "number.invalid",
                "severity": "error",
                "message": 'Row 5: budget "afventer" is not a number.',
            }
        ]
    )
    findings = validate(_projects({"budget": None}), prior)
    assert _compact(findings) == []


def test_the_same_id_in_two_channels_is_not_a_duplicate() -> None:
    projects = _projects(
        {"project_id": "X1"}, {"project_id": "X1", "channel": "multilateral", "partner": "UN Women"}
    )
    assert _compact(validate(projects)) == []


@pytest.mark.parametrize(
    "severity_rule", [("warning", "description.short"), ("error", "budget.negative")]
)
def test_severity_comes_from_the_catalogue(severity_rule: tuple[str, str]) -> None:
    severity, rule = severity_rule
    findings = validate(_projects({"budget": -1.0, "description_words": 3}))
    assert set(findings.loc[findings["rule"] == rule, "severity"]) == {severity}


# --- published data: its own suite, aggregates without text -------------------------------------


def _published(*rows: dict, source: str = "crs") -> pd.DataFrame:
    frame = _projects(*rows)
    frame["source"] = pd.Series(source, index=frame.index, dtype="string")
    flags = [bool(r.get("is_aggregate", False)) for r in rows]
    frame["is_aggregate"] = pd.array(flags, dtype="boolean")
    return frame


def test_published_rows_need_no_marker_gam_or_partner() -> None:
    projects = _published(
        {"gender_marker": None},
        {"channel": "humanitarian", "gender_marker": None, "gam_code": None, "partner": None},
        {"channel": "multilateral", "gender_marker": None, "partner": None},
    )
    assert _compact(validate(projects)) == []


@pytest.mark.parametrize(
    "column", ["project_id", "title", "description", "recipient_country", "sector_code", "budget"]
)
def test_published_rows_need_the_project_basics(column: str) -> None:
    findings = validate(_published({column: None}, source="iati"))
    assert _compact(findings) == [(5, column, "required.missing")]


def test_an_aggregate_needs_no_description_and_is_not_called_short() -> None:
    projects = _published(
        {"is_aggregate": True, "description": None, "description_words": None},
        {"is_aggregate": True, "description": "Aggregate activities", "description_words": 2},
        {"description_words": 2},
    )
    assert _compact(validate(projects)) == [(7, "description_words", "description.short")]


def test_workbook_rows_beside_published_ones_keep_the_channel_suites() -> None:
    projects = _published({"gender_marker": None}, {"gender_marker": None})
    projects.loc[1, "source"] = "workbook"
    assert _compact(validate(projects)) == [(6, "gender_marker", "required.missing")]


def test_validate_leaves_the_callers_frame_alone() -> None:
    projects = _projects({})
    validate(projects)
    assert "source" not in projects and "is_aggregate" not in projects

"""The Great Expectations suites in expectations/ turn into row-level findings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.errors import ConfigurationError
from screening.normalise import normalise
from screening.readers import read_upload
from screening.rules import findings_frame, make_findings
from screening.validate import (
    PUBLISHED,
    WORKBOOK,
    _column,
    _display,
    suite_definition,
    validate,
)
from screening.vocabulary import CHANNELS


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


# --- one combined run gives exactly what running each suite alone gave --------------------------
#
# validate() runs the suites a frame needs together (BOOLEAN_ONLY, then COMPLETE for what failed,
# on the columns the suites read). `_per_suite` is validate() as it was: every suite on its own
# rows, COMPLETE results for every expectation. The two must agree to the row, order and message.

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SOURCES = Path(__file__).parent / "fixtures" / "sources"
_SUITES: dict[str, object] = {}


def _run_alone(name: str, frame: pd.DataFrame) -> list[pd.DataFrame]:
    from great_expectations.core.expectation_suite import ExpectationSuite

    from screening.validate import _batch_definition, _context

    if name not in _SUITES:
        _context()
        _SUITES[name] = ExpectationSuite(**suite_definition(name))
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        _SUITES[name],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_pos"]},
    )
    found = []
    for r in result.results:
        exception = r.exception_info or {}
        if exception.get("raised_exception"):
            raise ConfigurationError(exception.get("exception_message"))
        if r.success:
            continue
        meta, kwargs = r.expectation_config.meta, r.expectation_config.kwargs
        column = meta.get("value_column") or kwargs.get("column") or kwargs["column_list"][0]
        positions = [entry["_pos"] for entry in r.result.get("unexpected_index_list") or []]
        rows = frame.loc[frame["_pos"].isin(positions)]
        found.append(make_findings(meta["rule"], rows, column, _display(rows[column])))
    return found


def _per_suite(projects: pd.DataFrame, prior: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = projects.reset_index(drop=True)
    frame["source"] = _column(frame, "source", "string", WORKBOOK)
    frame["is_aggregate"] = _column(frame, "is_aggregate", "boolean", False)
    frame["_pos"] = range(len(frame))
    workbook = frame["source"] == WORKBOOK
    found = _run_alone("common", frame)
    for name, mask in [
        *((channel, workbook & (frame["channel"] == channel)) for channel in CHANNELS),
        (PUBLISHED, ~workbook),
    ]:
        subset = frame[mask.fillna(False).astype(bool)]
        if not subset.empty:
            found += _run_alone(name, subset)
    findings = pd.concat([findings_frame(), *found], ignore_index=True)
    if prior is not None and not prior.empty:
        key = ["sheet", "row_number", "column_name"]
        already = prior.loc[prior["severity"] == "error", key].drop_duplicates()
        merged = findings.merge(already, on=key, how="left", indicator=True)
        findings = merged.loc[merged["_merge"] == "left_only", findings.columns]
    order = ["sheet", "row_number", "column_name", "rule"]
    return findings.drop_duplicates(order).sort_values(order).reset_index(drop=True)


def _agrees(projects: pd.DataFrame, prior: pd.DataFrame | None = None) -> pd.DataFrame:
    found = validate(projects, prior)
    pd.testing.assert_frame_equal(found, _per_suite(projects, prior))
    return found


@pytest.mark.parametrize(
    "path",
    [
        *sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".csv")),
        *sorted(SOURCES.iterdir()),
    ],
    ids=lambda p: p.name,
)
def test_the_samples_and_published_fixtures_find_what_each_suite_alone_finds(path: Path) -> None:
    result = read_upload(path)
    projects, prior = normalise(result.rows[result.rows["skip_rule"].isna()])
    _agrees(projects, prior)
    _agrees(projects.head(3), prior)  # a small upload: one channel or all published


def _every_case() -> pd.DataFrame:
    return _projects(
        {"budget": -5.0, "gender_marker": 3, "description_words": 4},  # three rules, one row
        {"project_id": "DUP", "title": None, "description": None},
        {"project_id": "DUP", "start_date": "2024-05-01", "end_date": "2023-01-01"},
        {"channel": None, "project_id": None, "recipient_country": None},
        {"channel": "cooperation"},
        {"channel": "multilateral", "partner": None, "gender_marker": None},
        {"channel": "humanitarian", "partner": None, "gam_code": 7, "gender_marker": None},
        {"channel": "humanitarian", "partner": "UNFPA", "gam_code": None, "budget": None},
    )


EDGE_CASES = {
    "every rule, every channel, workbook only": lambda: _every_case(),
    "published beside workbook rows": lambda: _mixed(),
    "published only, aggregates": lambda: _published(
        {"is_aggregate": True, "description": None, "description_words": None},
        {"gender_marker": None, "sector_code": None, "project_id": "A"},
        {"project_id": "A", "budget": -1.0, "description_words": 2},
        source="iati",
    ),
    "one row, clean": lambda: _projects({}),
    "one row, everything missing": lambda: _projects(
        {k: None for k in ("project_id", "title", "description", "budget", "gender_marker")}
    ),
    "no rows": lambda: _projects({}).iloc[:0],
    "a blank source is a workbook row's": lambda: _blank_source(),
    "rows in two sheets, index not from 0": lambda: _two_sheets(),
}


def _mixed() -> pd.DataFrame:
    frame = _published(
        {"gender_marker": None},
        {"channel": "humanitarian", "gam_code": None, "partner": None},
        {"channel": "multilateral", "partner": None, "is_aggregate": True, "description": None},
        {"project_id": "P0", "budget": -3.0},
    )
    frame.loc[[1, 3], "source"] = "workbook"
    return frame


def _blank_source() -> pd.DataFrame:
    frame = _published({"gender_marker": None}, {"gender_marker": None, "channel": None})
    frame.loc[0, "source"] = pd.NA
    return frame


def _two_sheets() -> pd.DataFrame:
    frame = _every_case()
    frame.loc[4:, "sheet"] = "Humanitær"
    return frame.set_axis(range(100, 100 + len(frame)))


def test_every_case_gives_the_findings_the_suites_define() -> None:
    """Written out, not computed: `_per_suite` shares validate()'s helpers, so a mistake in
    them would pass the comparisons below unseen."""
    found = validate(_every_case())
    keys = found[["row_number", "column_name", "rule"]].itertuples(index=False, name=None)
    assert list(keys) == [
        (5, "budget", "budget.negative"),
        (5, "description_words", "description.short"),
        (5, "gender_marker", "gender_marker.invalid"),
        (6, "description", "required.missing"),
        (6, "project_id", "project_id.duplicate"),
        (6, "title", "required.missing"),
        (7, "end_date", "dates.end_before_start"),
        (7, "project_id", "project_id.duplicate"),
        (8, "channel", "channel.unknown"),
        (9, "channel", "channel.unknown"),
        (10, "gender_marker", "required.missing"),  # multilateral: marker and partner needed
        (10, "partner", "required.missing"),
        (11, "gam_code", "gam_code.invalid"),  # humanitarian: a GAM code 0-4, and a partner
        (11, "partner", "required.missing"),
        (12, "budget", "required.missing"),
        (12, "gam_code", "required.missing"),
    ]
    assert found["message"].str.len().gt(0).all()


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases_find_what_each_suite_alone_finds(case: str) -> None:
    _agrees(EDGE_CASES[case]())


def test_prior_errors_are_left_out_the_same_way() -> None:
    prior = findings_frame(
        [
            {
                "sheet": "Bilateral",
                "row_number": 5,
                "column_name": "gender_marker",
                "value": "x",
                "rule": "marker.invalid",
                "severity": "error",
                "message": "",
            }
        ]
    )
    assert (
        not _agrees(_every_case(), prior)
        .query("row_number == 5 and column_name == 'gender_marker'")
        .shape[0]
    )


@st.composite
def _rows(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=12))
    rows = []
    for _ in range(n):
        rows.append(
            {
                "channel": draw(st.sampled_from([*CHANNELS, None, "other"])),
                "project_id": draw(st.sampled_from(["A", "B", "C", None])),
                "title": draw(st.sampled_from(["T", None])),
                "partner": draw(st.sampled_from(["UN Women", None])),
                "budget": draw(st.sampled_from([1.0, 0.0, -2.5, None])),
                "start_date": draw(st.sampled_from(["2024-01-01", None])),
                "end_date": draw(st.sampled_from(["2023-06-30", "2025-01-01", None])),
                "gender_marker": draw(st.sampled_from([0, 1, 2, 3, None])),
                "gam_code": draw(st.sampled_from([0, 4, 9, None])),
                "description_words": draw(st.sampled_from([3, 30, 45, None])),
                "is_aggregate": draw(st.booleans()),
                "source": draw(st.sampled_from(["workbook", "crs", "iati"])),
            }
        )
    frame = _projects(*({k: v for k, v in r.items() if k != "source"} for r in rows))
    frame["source"] = pd.array([r["source"] for r in rows], dtype="string")
    frame["is_aggregate"] = pd.array([r["is_aggregate"] for r in rows], dtype="boolean")
    return frame


@settings(max_examples=25, derandomize=True)
@given(_rows())
def test_any_frame_finds_what_each_suite_alone_finds(projects: pd.DataFrame) -> None:
    _agrees(projects)


@pytest.mark.parametrize("column", ["channel", "end_date", "partner"])
def test_a_frame_without_a_column_the_suites_read_fails_as_before(column: str) -> None:
    frame = _every_case().drop(columns=[column])
    outcomes = []
    for run in (validate, _per_suite):
        with pytest.raises(Exception) as raised:  # the same exception, whatever it is
            run(frame)
        outcomes.append((type(raised.value), str(raised.value)))
    assert outcomes[0] == outcomes[1]


def test_real_published_files_find_what_each_suite_alone_finds(realdata: Path) -> None:
    paths = [
        realdata / "crs" / "Finland-4.xlsx",
        *sorted((realdata / "iati").rglob("*activities*.xml"))[:3],
    ]
    for path in (p for p in paths if p.is_file()):
        result = read_upload(path)
        projects, prior = normalise(result.rows[result.rows["skip_rule"].isna()])
        _agrees(projects, prior)


def test_an_expectation_gx_cannot_build_is_an_error_not_a_lost_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX drops an expectation of an unknown type with only a log line; the rule it carried
    would silently go unchecked."""
    from screening import config
    from screening import validate as module

    for name in ("common", *CHANNELS, PUBLISHED):
        definition = suite_definition(name)
        if name == "common":
            definition["expectations"].append(
                {
                    "type": "expect_column_values_to_be_purple",
                    "kwargs": {"column": "budget"},
                    "meta": {"rule": "budget.negative"},
                }
            )
        (tmp_path / f"{name}.json").write_text(json.dumps(definition), encoding="utf-8")
    monkeypatch.setattr(config, "EXPECTATIONS_DIR", tmp_path)
    module._combined.cache_clear()
    module._suite_of.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="expect_column_values_to_be_purple"):
            validate(_projects({}))
    finally:
        module._combined.cache_clear()
        module._suite_of.cache_clear()


def test_batches_are_named_without_hashing_the_frame():
    """Great Expectations hashes every pandas batch to fingerprint it (40% of validating
    100,000 rows); validate's batches carry no fingerprint, so nothing was hashed."""
    from screening.validate import _batch_definition

    frame = _projects({"project_id": "P-1"})
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    assert "pandas_data_fingerprint" not in batch.batch_markers



def test_warm_up_builds_what_validate_uses():
    from screening.validate import _suite_of, warm_up

    warm_up()
    hits = _suite_of.cache_info().hits
    assert validate(_projects({"project_id": "P-1"})).empty
    assert _suite_of.cache_info().hits > hits

"""Validate normalised projects with the Great Expectations suites in `expectations/`.

The suites are GX's own JSON (one common suite, one per channel for a desk officer's workbook,
one for published data), so they can be read and edited with GX tooling; each expectation
names the rule it enforces in `meta.rule`, and the rule catalogue
(`screening/rules/findings.yaml`) gives the message a desk officer reads.
Every unexpected value becomes a finding row, never only the first few.

Great Expectations takes seconds to import, so it is imported here, on first use, and not
when the package loads.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pandas as pd

from screening import config
from screening.errors import ConfigurationError
from screening.rules import CHANNELS, findings_frame, make_findings, rule

PUBLISHED = "published"
SUITES = ("common", *CHANNELS, PUBLISHED)
WORKBOOK = "workbook"
_POSITION = "_position"


def suite_definition(name: str) -> dict:
    """The suite as stored in `expectations/<name>.json`."""
    path = config.EXPECTATIONS_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the expectation suite {path}: {exc}") from exc


@cache
def _context() -> Any:
    import logging

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX announces its temporary docs folder at INFO on every start: noise for a desk officer.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@cache
def _suite(name: str) -> Any:
    from great_expectations.core.expectation_suite import ExpectationSuite

    _context()  # GX builds suites only inside an active context
    definition = suite_definition(name)
    for expectation in definition["expectations"]:
        rule(expectation.get("meta", {}).get("rule", "<missing>"))  # fail early on unknown rules
    return ExpectationSuite(**definition)


@cache
def _batch_definition() -> Any:
    source = _context().data_sources.add_pandas("projects")
    return source.add_dataframe_asset("projects").add_batch_definition_whole_dataframe("frame")


def _run_suite(name: str, frame: pd.DataFrame) -> list[Any]:
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        _suite(name),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [_POSITION]},
    )
    return list(result.results)


def _findings_of(result: Any, frame: pd.DataFrame) -> pd.DataFrame:
    config_ = result.expectation_config
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        raise ConfigurationError(
            f"expectation {config_.type} failed to run: {exception.get('exception_message')}"
        )
    if result.success:
        return findings_frame()
    meta = config_.meta or {}
    kwargs = config_.kwargs
    column = meta.get("value_column") or kwargs.get("column") or kwargs["column_list"][0]
    positions = [entry[_POSITION] for entry in result.result.get("unexpected_index_list") or []]
    rows = frame.loc[frame[_POSITION].isin(positions)]
    values = _display(rows[column])
    return make_findings(meta["rule"], rows, column, values)


def _display(values: pd.Series) -> pd.Series:
    """Values as a desk officer would write them: dates without a time, whole numbers without .0."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: "" if pd.isna(v) else f"{v:,.2f}".rstrip("0").rstrip("."))
    return values.astype("string")


def _column(frame: pd.DataFrame, name: str, dtype: str, default: object) -> pd.Series:
    """`frame[name]` as `dtype` with gaps filled by `default`; all `default` when absent."""
    if name not in frame:
        return pd.Series(default, index=frame.index, dtype=dtype)
    return frame[name].astype(dtype).fillna(default)


def validate(projects: pd.DataFrame, prior_findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Findings for every row and rule the suites catch.

    The common suite checks every row. A workbook row (`source` "workbook", or no `source`
    column) then gets its channel's suite; a published row (CRS, IATI) gets the published
    suite, which asks for what donors publish (no GAM code; a blank DAC marker means "not
    screened"). `is_aggregate` rows (CRS bulk lines) need no description; a frame without
    the column has none.

    `prior_findings` are the errors normalise already reported: a value that failed to convert
    is empty now, and saying it is also "missing" would only repeat the first message.
    """
    frame = projects.reset_index(drop=True)
    frame["source"] = _column(frame, "source", "string", WORKBOOK)
    frame["is_aggregate"] = _column(frame, "is_aggregate", "boolean", False)
    frame[_POSITION] = range(len(frame))
    workbook = frame["source"] == WORKBOOK
    found = [_findings_of(r, frame) for r in _run_suite("common", frame)]
    for name, mask in [
        *((channel, workbook & (frame["channel"] == channel)) for channel in CHANNELS),
        (PUBLISHED, ~workbook),
    ]:
        subset = frame[mask.fillna(False).astype(bool)]
        if not subset.empty:
            found += [_findings_of(r, subset) for r in _run_suite(name, subset)]
    findings = pd.concat([findings_frame(), *found], ignore_index=True)
    if prior_findings is not None and not prior_findings.empty:
        key = ["sheet", "row_number", "column_name"]
        already = prior_findings.loc[prior_findings["severity"] == "error", key].drop_duplicates()
        merged = findings.merge(already, on=key, how="left", indicator=True)
        findings = merged.loc[merged["_merge"] == "left_only", findings.columns]
    # A row missing its channel breaks both channel rules; one message is enough.
    findings = findings.drop_duplicates(["sheet", "row_number", "column_name", "rule"])
    return findings.sort_values(["sheet", "row_number", "column_name"], kind="stable").reset_index(
        drop=True
    )

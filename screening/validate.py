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
import threading
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from screening import config
from screening.errors import ConfigurationError
from screening.rules import findings_frame, make_findings, rule
from screening.vocabulary import CHANNELS

PUBLISHED = "published"
SUITES = ("common", *CHANNELS, PUBLISHED)
WORKBOOK = "workbook"


def suite_definition(name: str) -> dict:
    """The suite as stored in `expectations/<name>.json`."""
    path = config.EXPECTATIONS_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the expectation suite {path}: {exc}") from exc


# The context and the batch definition are built once per process, under this lock, so that
# threads (the upload page's) never build two.
_GX_LOCK = threading.RLock()


def _context() -> Any:
    with _GX_LOCK:
        return _new_context()


@cache
def _new_context() -> Any:
    import logging

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch smaller than this many bytes by hashing the whole
    # frame (pd.util.hash_pandas_object, then md5): 40% of validating 100,000 rows. The
    # fingerprint is only a marker in the results, which we never read; batches are named
    # without it. So no frame is hashed.
    pandas_execution_engine.HASH_THRESHOLD = 0
    # GX announces its temporary docs folder at INFO on every start: noise for a desk officer.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def warm_up() -> None:
    """Import Great Expectations and build the context and every suite (seconds, once per
    process), while something else is waited for (the command line: Prefect's API server)."""
    with _GX_LOCK:
        _batch_definition()
        for names in [("common", channel) for channel in CHANNELS] + [("common", PUBLISHED)]:
            _suite_of(names)


def _check_rules(expectations: list[dict]) -> None:
    for expectation in expectations:
        rule(expectation.get("meta", {}).get("rule", "<missing>"))  # fail early on unknown rules


def _batch_definition() -> Any:
    with _GX_LOCK:
        return _new_batch_definition()


@cache
def _new_batch_definition() -> Any:
    source = _context().data_sources.add_pandas("projects")
    return source.add_dataframe_asset("projects").add_batch_definition_whole_dataframe("frame")


# --- running the suites ---------------------------------------------------------------------------
#
# GX's cost is per run and above all per expectation (building its metric graph), hardly per
# row: 20 rows cost about what 2,000 do. So the suites that apply to every row of the frame run
# as one combined suite (built once per combination and cached), first with BOOLEAN_ONLY (a few
# counts per expectation), then only the expectations that failed run again with COMPLETE, for
# the index labels (row positions) of their unexpected rows. A suite that applies to some rows
# only (a channel of a multi-channel workbook) runs the same way on those rows.

_PLACE = "_place"  # meta of a combined expectation: its place in `_combined`
_BOOLEAN_ONLY = {"result_format": "BOOLEAN_ONLY"}
# Every unexpected row's index label (the frame's index is the row position), and nothing else
# that costs: no pandas query text, no counts of the commonest unexpected values.
_COMPLETE = {
    "result_format": "COMPLETE",
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}


@cache
def _combined(names: tuple[str, ...]) -> tuple[dict, ...]:
    """The expectations of `names`, suite after suite, each a copy of the stored one whose
    `meta` also gives its place here."""
    combined: list[dict] = []
    for name in names:
        expectations = suite_definition(name)["expectations"]
        _check_rules(expectations)
        for expectation in expectations:
            meta = {**expectation.get("meta", {}), _PLACE: len(combined)}
            combined.append({**expectation, "meta": meta})
    return tuple(combined)


@lru_cache(maxsize=256)
def _suite_of(names: tuple[str, ...], indices: tuple[int, ...] | None = None) -> Any:
    """The combined suite of `names` (only the expectations at `indices` of `_combined`)."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    _context()
    expectations = _combined(names)
    if indices is not None:
        expectations = tuple(expectations[i] for i in indices)
    copies = [json.loads(json.dumps(e)) for e in expectations]
    suite = ExpectationSuite(name="+".join(names), expectations=copies)
    # GX drops an expectation it cannot build with only a log line: a rule would go unchecked.
    if len(suite.expectations) != len(copies):
        built = {(e.meta or {}).get(_PLACE) for e in suite.expectations}
        lost = [e for e in expectations if e["meta"][_PLACE] not in built]
        raise ConfigurationError(
            f"Great Expectations could not build {len(lost)} expectation(s) of "
            f"expectations/{{{','.join(names)}}}.json: "
            + "; ".join(f"{e['type']} (rule {e['meta'].get('rule')})" for e in lost)
        )
    return suite


def _run_suites(names: tuple[str, ...], frame: pd.DataFrame) -> list[Any]:
    """COMPLETE results, on `frame`, of the expectations of `names` that did not succeed."""
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    checked = batch.validate(_suite_of(names), result_format=_BOOLEAN_ONLY).results
    failed = tuple(sorted(r.expectation_config.meta[_PLACE] for r in checked if not r.success))
    if not failed:
        return []
    return list(batch.validate(_suite_of(names, failed), result_format=_COMPLETE).results)


def _findings_of(result: Any, frame: pd.DataFrame) -> pd.DataFrame | None:
    config_ = result.expectation_config
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        raise ConfigurationError(
            f"expectation {config_.type} failed to run: {exception.get('exception_message')}"
        )
    if result.success:
        return None
    meta = config_.meta or {}
    kwargs = config_.kwargs
    column = meta.get("value_column") or kwargs.get("column") or kwargs["column_list"][0]
    positions = result.result.get("unexpected_index_list") or []
    rows = frame.loc[frame.index.isin(positions)]
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
    workbook = frame["source"] == WORKBOOK
    whole, parts = ["common"], []
    for name, mask in [
        *((channel, workbook & (frame["channel"] == channel)) for channel in CHANNELS),
        (PUBLISHED, ~workbook),
    ]:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            continue
        if mask.all():  # every row: it runs together with the common suite
            whole.append(name)
        else:
            parts.append(((name,), frame[mask]))
    found = [
        _findings_of(result, rows)
        for names, rows in [(tuple(whole), frame), *parts]
        for result in _run_suites(names, rows)
    ]
    findings = pd.concat(
        [findings_frame(), *(f for f in found if f is not None)], ignore_index=True
    )
    if prior_findings is not None and not prior_findings.empty:
        key = ["sheet", "row_number", "column_name"]
        already = prior_findings.loc[prior_findings["severity"] == "error", key].drop_duplicates()
        merged = findings.merge(already, on=key, how="left", indicator=True)
        findings = merged.loc[merged["_merge"] == "left_only", findings.columns]
    # A row missing its channel breaks both channel rules; one message is enough.
    order = ["sheet", "row_number", "column_name", "rule"]
    return findings.drop_duplicates(order).sort_values(order).reset_index(drop=True)

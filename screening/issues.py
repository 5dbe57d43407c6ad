"""An upload's findings as a desk officer should read them: a problem of the whole file or
sheet said once and first, then the rows not loaded, then warnings and skipped lines grouped
by rule with their rows.

Findings stay one row per (row, column, rule) in the warehouse: every rejected row keeps its
reason. This module only groups them for people (`ingest`'s output, the upload page, the
feedback workbook). A rule that rejects every project row of a sheet (no channel; a required
column the sheet lacks) is one problem, not fourteen: its `sheet_message` in findings.yaml
says it once, with what would fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from screening import rules

SEVERITY_ORDER = ("refuse", "error", "warning", "skip", "info")
ACCEPTED_SHOWN = 4  # accepted names shown for a missing column


@dataclass(frozen=True)
class Issue:
    """One thing to tell: a rule's findings in one sheet (or the whole file)."""

    severity: str
    rule: str
    title: str
    sheet: str | None
    rows: tuple[int, ...]  # the rows concerned, ascending; empty for a sheet or the file
    whole_sheet: bool  # said once for the sheet instead of on every row
    message: str  # the sheet message, or the first row's message
    messages: tuple[str, ...]  # every finding's message, in row order

    @property
    def where(self) -> str:
        """`Bilateral, rows 4–6, 9` (or just the sheet, or nothing for the file)."""
        parts = [f'"{self.sheet}"'] if self.sheet else []
        if self.rows and not self.whole_sheet:
            parts.append(rows_text(self.rows))
        return ", ".join(parts)


def group_findings(
    findings: pd.DataFrame,
    columns: pd.DataFrame | None = None,
    project_rows: Mapping[str, int] | None = None,
) -> list[Issue]:
    """The findings of one upload as issues, most important first.

    `columns` are the upload's columns as read (`upload_columns`: sheet, field), to tell a
    required column the sheet lacks from values left empty; `project_rows` the number of
    project rows (loaded or rejected) per sheet, to tell a rule that hit a whole sheet.
    """
    if findings.empty:
        return []
    frame = findings.assign(
        _order=findings["severity"].map(SEVERITY_ORDER.index),
        _sheet=findings["sheet"].fillna(""),
    ).sort_values(["_order", "_sheet", "row_number"], kind="stable", na_position="first")
    counts = dict(project_rows or {})
    if not counts:
        projects = frame[frame["severity"].isin(["error", "warning"])]
        counts = projects.groupby("_sheet")["row_number"].nunique().to_dict()
    present = _fields_by_sheet(columns)
    issues = []
    for (_, sheet, rule_id), group in frame.groupby(["_order", "_sheet", "rule"], sort=False):
        issues += _issues(group, sheet or None, rule_id, counts, present)
    return sorted(issues, key=lambda i: (SEVERITY_ORDER.index(i.severity), not i.whole_sheet))


def rows_text(rows: Iterable[int]) -> str:
    """`row 4`, or `rows 4–6, 9, 12`: runs of consecutive rows joined."""
    numbers = sorted(set(rows))
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
    return f"row {text}" if len(numbers) == 1 else f"rows {text}"


def _issues(
    group: pd.DataFrame,
    sheet: str | None,
    rule_id: str,
    counts: Mapping[str, int],
    present: Mapping[str, set[str]],
) -> list[Issue]:
    rule = rules.rule(rule_id)
    rows = tuple(int(n) for n in group["row_number"].dropna().unique())
    messages = tuple(group["message"])
    common: dict[str, Any] = dict(
        severity=rule.severity, rule=rule_id, title=rule.title, sheet=sheet
    )
    if rule.sheet_message and sheet and rule.severity == "error":
        # One issue per column: a sheet may lack both the project ID and the budget.
        out = []
        for column, part in group.groupby(group["column_name"].fillna(""), sort=False):
            part_rows = tuple(int(n) for n in part["row_number"].dropna().unique())
            lacks = column and sheet in present and column not in present[sheet]
            whole = len(part_rows) >= counts.get(sheet, 0) > 0
            if rule_id == "required.missing" and not lacks:
                whole = False  # the column is there; some cells are empty
            if whole:
                message = rule.format_sheet(
                    sheet=sheet, value=len(part_rows), column=rules.column_label(column),
                    detail=_accepted(column),
                )
                out.append(Issue(**common, rows=part_rows, whole_sheet=True, message=message,
                                 messages=tuple(part["message"])))  # fmt: skip
            else:
                out.append(Issue(**common, rows=part_rows, whole_sheet=False,
                                 message=part["message"].iloc[0],
                                 messages=tuple(part["message"])))  # fmt: skip
        return out
    return [Issue(**common, rows=rows, whole_sheet=False, message=messages[0], messages=messages)]


def _accepted(column: str) -> str:
    """`Project ID (or Projekt nr., J.nr., Agreement No.)`: names the reader accepts."""
    spec = rules.fields().get(column)
    if spec is None:
        return ""
    names = list(dict.fromkeys([*spec.headers.values(), *spec.aliases]))
    first, *others = names[:ACCEPTED_SHOWN]
    return f'"{first}"' + (f" (or {', '.join(others)})" if others else "")


def _fields_by_sheet(columns: pd.DataFrame | None) -> dict[str, set[str]]:
    if columns is None or columns.empty:
        return {}
    fields = columns.dropna(subset=["field"])
    out: dict[str, set[str]] = {sheet: set() for sheet in columns["sheet"]}
    for sheet, field in zip(fields["sheet"], fields["field"], strict=True):
        out[sheet].add(field)
    return out

"""Findings grouped for people: a whole-sheet problem said once and first (issue 11, problems
2 and 5)."""

from __future__ import annotations

import pandas as pd

from screening import issues
from screening.rules import make_findings


def rows(sheet: str, numbers: list[int], channel: str | None = "bilateral") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sheet": sheet,
            "row_number": pd.array(numbers, dtype="Int64"),
            "channel": channel,
            "project_id": "",
        }
    )


def test_a_sheet_without_a_channel_is_one_issue_said_first() -> None:
    portfolio = rows("Portfolio", list(range(4, 18)), channel=None)
    findings = pd.concat(
        [
            make_findings("description.short", rows("Bilateral", [4, 6, 7, 8]), "description",
                          values=pd.Series(["12"] * 4)),
            make_findings("channel.unknown", portfolio, "channel",
                          values=pd.Series([""] * 14)),
            make_findings("number.invalid", rows("Bilateral", [9]), "budget",
                          values=pd.Series(["lots"])),
        ],
        ignore_index=True,
    )  # fmt: skip
    counts = {"Portfolio": 14, "Bilateral": 5}

    grouped = issues.group_findings(findings, project_rows=counts)

    assert [(i.rule, i.whole_sheet, i.where) for i in grouped] == [
        ("channel.unknown", True, '"Portfolio"'),
        ("number.invalid", False, '"Bilateral", row 9'),
        ("description.short", False, '"Bilateral", rows 4, 6–8'),
    ]
    first = grouped[0]
    assert first.message.startswith('Sheet "Portfolio" does not say which channel its 14 rows')
    assert "choose the channel when uploading" in first.message
    assert len(first.messages) == 14  # every row keeps its reason
    assert grouped[2].title == "Short description" and len(grouped[2].messages) == 4


def test_a_required_column_the_sheet_lacks_is_said_once_with_the_names_accepted() -> None:
    sheet = rows("Bilat 2024", [2, 3, 4])
    findings = pd.concat(
        [
            make_findings("required.missing", sheet, "project_id", values=pd.Series([""] * 3)),
            make_findings("required.missing", rows("Bilat 2024", [3]), "title",
                          values=pd.Series([""])),
        ],
        ignore_index=True,
    )  # fmt: skip
    columns = pd.DataFrame(
        {"sheet": ["Bilat 2024"] * 2, "field": ["title", None], "header": ["Title", "Aftale"]}
    )

    grouped = issues.group_findings(findings, columns, {"Bilat 2024": 3})

    assert [(i.rule, i.whole_sheet, i.rows) for i in grouped] == [
        ("required.missing", True, (2, 3, 4)),
        ("required.missing", False, (3,)),
    ]
    assert grouped[0].message == (
        'Sheet "Bilat 2024" has no project ID column, which its projects require, so none of '
        'its 3 rows loaded; name the column "Project ID" (or Projekt nr., Project no., '
        "Project number)."
    )


def test_rows_text_joins_runs() -> None:
    assert issues.rows_text([9]) == "row 9"
    assert issues.rows_text([4, 5, 6, 9, 12, 13]) == "rows 4–6, 9, 12, 13"

"""The portfolio template: a filled template reads, normalises and validates with no finding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from faces.template import write_template
from screening import template
from screening.normalise import normalise
from screening.readers import read_upload
from screening.validate import validate


def fill(path: Path, sheet: str, rows: list[list[object]]) -> None:
    wb = load_workbook(path)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            wb[sheet].cell(row=i, column=j, value=value)
    wb.save(path)


@pytest.mark.parametrize(
    ("lang", "channel", "sheet"),
    [
        ("en", None, "Projects"),
        ("da", None, "Projekter"),
        ("en", "bilateral", "Bilateral"),
        ("en", "multilateral", "Multilateral"),
        ("da", "humanitarian", "Humanitær"),
    ],
)
def test_a_filled_template_reads_with_no_finding(
    tmp_path: Path, lang: str, channel: str | None, sheet: str
) -> None:
    path = write_template(tmp_path / "template.xlsx", lang=lang, channel=channel)
    example = template.example(channel, lang)
    fill(path, sheet, [list(example.values())])

    read = read_upload(path)
    projects, found = normalise(read.rows[read.rows["skip_rule"].isna()])
    findings = pd.concat([read.findings, found, validate(projects, found)], ignore_index=True)

    assert set(findings["rule"]) == {"sheet.skipped"}  # Instructions and Lists: notes only
    assert set(findings["sheet"]) == set(load_workbook(path).sheetnames) - {sheet}
    row = projects.iloc[0]
    assert (row["channel"], row["recipient_country"], row["budget"]) == (
        channel or "bilateral", "UGA", 12_500_000
    )
    assert str(row["end_date"].date()) == "2027-12-31"
    assert read.columns["field"].notna().all()  # every header recognised


def test_template_has_lists_comments_and_an_example(tmp_path: Path) -> None:
    wb = load_workbook(write_template(tmp_path / "t.xlsx", lang="da"))
    assert wb.sheetnames == ["Projekter", "Vejledning", "Lister"]
    projects = wb["Projekter"]
    headers = [c.value for c in projects[1]]
    assert headers[:4] == ["Kanal", "Projekt nr.", "Titel", "Beskrivelse"]
    assert projects["B1"].comment.text.startswith("The donor's identifier")
    lists = {str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1
             for v in projects.data_validations.dataValidation}  # fmt: skip
    country = get_letter(headers, "Modtagerland")
    assert lists[country].startswith("'Lister'!$B$2:$B$")
    assert set(lists) == {get_letter(headers, h) for h in
                          ("Kanal", "Modtagerland", "DAC-kode", "Valuta", "Ligestillingsmarkør",
                           "GAM-kode", "Status")}  # fmt: skip
    assert "Uganda" in [c.value for c in wb["Lister"]["B"]]
    instructions = [[c.value for c in row] for row in wb["Vejledning"].iter_rows()]
    assert headers in instructions  # the example's header row, then the example
    assert instructions[instructions.index(headers) + 1][1] == "2025-UGA-01"


def get_letter(headers: list[str], header: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(headers.index(header) + 1)

"""The portfolio template: a workbook a desk officer fills in, which then reads with no finding.

One project sheet (named after the channel, or `Projects` with a Channel column when the
template is for every channel) with the canonical headers in English or Danish, each header
commented with what it holds; drop-down lists (data validation) for the coded columns, their
values on a `Lists` sheet; an `Instructions` sheet with every column and an example project.
Both helper sheets have names the reader skips (fields.yaml: skip_sheets).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from screening import template

ROWS = 1000  # rows of the project sheet that get the drop-down lists and formats
TEXTS = {
    "en": {
        "projects": "Projects", "instructions": "Instructions", "lists": "Lists",
        "title": "Portfolio template: one project a row",
        "how": [
            "Fill in one project a row on the sheet {sheet}, from row 2; keep the headers as "
            "they are. Columns in orange are required.",
            "Coded columns offer a list (click the cell); you may also type the code or the "
            "words (UGA or Uganda; 2 or Principal).",
            "Amounts as numbers, in the currency of the Currency column (DKK when empty). "
            "Dates as dates; a year alone is read as 1 January (start) or 31 December (end).",
            "Upload the file on the upload page, or: screening ingest FILE. Upload a corrected "
            "file under the same name: it replaces the earlier version.",
        ],
        "columns": ["Column", "Required", "What it holds", "Accepted values"],
        "yes": "yes", "no": "no", "list": "a list on the sheet {lists}",
        "example": "Example project (copy its values to see the format)",
    },
    "da": {
        "projects": "Projekter", "instructions": "Vejledning", "lists": "Lister",
        "title": "Porteføljeskabelon: ét projekt pr. række",
        "how": [
            "Udfyld ét projekt pr. række på arket {sheet}, fra række 2; lad overskrifterne "
            "stå. Orange kolonner skal udfyldes.",
            "Kodede kolonner har en liste (klik på cellen); du kan også skrive koden eller "
            "ordene (UGA eller Uganda; 2 eller Hovedformål).",
            "Beløb som tal, i valutaen i kolonnen Valuta (DKK, når den er tom). Datoer som "
            "datoer; et årstal alene læses som 1. januar (start) eller 31. december (slut).",
            "Upload filen på upload-siden, eller: screening ingest FIL. Upload en rettet fil "
            "under samme navn: den erstatter den tidligere version.",
        ],
        "columns": ["Kolonne", "Skal udfyldes", "Indhold", "Tilladte værdier"],
        "yes": "ja", "no": "nej", "list": "en liste på arket {lists}",
        "example": "Eksempel på et projekt (kopiér værdierne for at se formatet)",
    },
}  # fmt: skip
BOLD = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", start_color="F8CBAD")  # orange: required
OPTIONAL_FILL = PatternFill("solid", start_color="DDEBF7")  # blue: optional
WRAP = Alignment(wrap_text=True, vertical="top")
FORMATS = {"budget": "#,##0", "start_date": "yyyy-mm-dd", "end_date": "yyyy-mm-dd"}


def write_template(out: Path, lang: str = "en", channel: str | None = None) -> Path:
    """Write the template for `channel` (None: every channel, with a Channel column) in `lang`
    ("en" or "da") to `out` (.xlsx); return `out`."""
    if lang not in template.LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {template.LANGUAGES}")
    texts = TEXTS[lang]
    columns = template.columns(channel, lang)
    wb = Workbook()
    projects = wb.active
    projects.title = template.SHEET_NAMES[lang][channel] if channel else texts["projects"]
    lists = _write_lists(wb.create_sheet(texts["lists"]), template.choices(lang))
    _write_projects(projects, columns, lists)
    _write_instructions(
        wb.create_sheet(texts["instructions"], 1), texts, columns, projects.title,
        template.example(channel, lang),
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def template_file_name(lang: str = "en", channel: str | None = None) -> str:
    return f"portfolio-template-{channel or 'all-channels'}-{lang}.xlsx"


def _write_lists(ws: Worksheet, choices: dict[str, list[str]]) -> dict[str, str]:
    """One column a list, its name on row 1; returns each list's range (for data validation)."""
    ranges = {}
    for j, (name, values) in enumerate(choices.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=name).font = BOLD
        for i, value in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=value)
        ws.column_dimensions[letter].width = 40 if name in ("purpose_code", "gam_code") else 20
        ranges[name] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_projects(
    ws: Worksheet, columns: list[template.TemplateColumn], lists: dict[str, str]
) -> None:
    for j, column in enumerate(columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=column.header)
        cell.font, cell.alignment = BOLD, WRAP
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.comment = Comment(column.field.description, "WPS screening", 80, 260)
        wide = column.field.name in ("description", "objectives", "indicators", "sector_code")
        ws.column_dimensions[letter].width = 40 if wide else 18
        cells = f"{letter}2:{letter}{ROWS + 1}"
        if column.choices:
            check = DataValidation(
                type="list", formula1=lists[column.choices], allow_blank=True,
                errorStyle="warning", showErrorMessage=True,
                error="Not in the list; keep it only if you are sure it is right.",
            )  # fmt: skip
            check.add(cells)
            ws.add_data_validation(check)
        if fmt := FORMATS.get(column.field.name):
            for (row,) in ws[cells]:
                row.number_format = fmt
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"


def _write_instructions(
    ws: Worksheet,
    texts: dict,
    columns: list[template.TemplateColumn],
    sheet: str,
    example: dict[str, object],
) -> None:
    ws.append([texts["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    for line in texts["how"]:
        ws.append([line.format(sheet=sheet)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.row_dimensions[ws.max_row].height = 32  # two lines: merged cells do not grow
    ws.append([])
    ws.append(texts["columns"])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, OPTIONAL_FILL
    for column in columns:
        accepted = texts["list"].format(lists=texts["lists"]) if column.choices else ""
        required = texts["yes"] if column.required else texts["no"]
        ws.append([column.header, required, column.field.description, accepted])
    ws.append([])
    ws.append([texts["example"]])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    ws.append([c.header for c in columns])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    ws.append([example[c.field.name] for c in columns])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCD", (26, 14, 70, 30), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP

"""The reader on real files, one test per layout desk officers send (shared/PORTFOLIO-FORMAT.md).

Workbooks are written with openpyxl into tmp_path; tests compare compact rows such as
`(sheet, row_number, project_id, skip_rule)`, so a failure shows which line changed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from pathlib import Path

import pandas as pd
import pytest

from screening import config
from screening.errors import UploadRefused
from screening.readers import crs, read_portfolio, read_upload
from tests.workbooks import set_cell_xml, write_xlsx

HEADER = ["Project ID", "Title", "Description", "Country", "DAC code", "Budget"]


def compact(rows: pd.DataFrame, *columns: str) -> list[tuple]:
    """Rows as tuples of plain values (NA as None): what the assertions compare."""
    picked = rows[["sheet", "row_number", *columns]].astype(object)
    return [tuple(row) for row in picked.where(picked.notna(), None).itertuples(index=False)]


def findings(result) -> list[tuple]:
    """Findings as `(sheet, row_number, rule, value)`."""
    frame = result.findings[["sheet", "row_number", "rule", "value"]].astype(object)
    return [tuple(row) for row in frame.where(frame.notna(), None).itertuples(index=False)]


def project(pid: str, budget: object = 1000) -> list[object]:
    return [pid, f"Project {pid}", "Support to women's rights groups", "Uganda", 15170, budget]


# --- layouts ------------------------------------------------------------------------------------


def test_title_block_above_header_gives_excel_row_numbers(tmp_path: Path) -> None:
    rows = [
        [None, None],  # rows 1-2 empty: calamine starts its range at row 3
        [],
        [None, "Danida portfolio – Uganda – FY2025"],
        [],
        [None, *HEADER],  # row 5, from column B
        [None, *project("UGA-1")],
        [],
        [None, *project("UGA-2")],
    ]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))

    assert compact(result.rows, "project_id", "skip_rule") == [
        ("Bilateral", 6, "UGA-1", None),
        ("Bilateral", 7, None, "row.blank"),
        ("Bilateral", 8, "UGA-2", None),
    ]
    assert result.sheets == [
        {"name": "Bilateral", "status": "read", "reason": None, "header_row": 5, "rows": 3}
    ]
    assert findings(result) == [("Bilateral", 7, "row.blank", "")]
    assert result.findings["message"].tolist() == ["Row 7 is blank."]


def test_several_sheets_with_channels_and_sheets_to_skip(tmp_path: Path) -> None:
    sheets = {
        "Instructions": [["Fill in one row per project"], HEADER],
        "Bilateral": [HEADER, project("B-1")],
        "Humanitær": [[*HEADER, "GAM"], [*project("H-1"), 3]],
        "Lists": [["Country"], ["Uganda"]],
        "Old": [HEADER, project("OLD-1")],
        "Empty": [],
        "Notes on budget": [["Budgets are in DKK"]],
    }
    path = write_xlsx(tmp_path / "p.xlsx", sheets, hidden=("Old",))
    result = read_portfolio(path)

    assert compact(result.rows, "sheet_channel", "project_id") == [
        ("Bilateral", 2, "bilateral", "B-1"),
        ("Humanitær", 2, "humanitarian", "H-1"),
    ]
    assert [(s["name"], s["status"], s["reason"]) for s in result.sheets] == [
        ("Instructions", "skipped", "its name marks it as instructions or lists, not projects"),
        ("Bilateral", "read", None),
        ("Humanitær", "read", None),
        ("Lists", "skipped", "its name marks it as instructions or lists, not projects"),
        ("Old", "skipped", "it is hidden"),
        ("Empty", "skipped", "it is empty"),
        ("Notes on budget", "skipped", "no row among its first 20 names the project columns"),
    ]
    skipped = result.findings[result.findings["rule"] == "sheet.skipped"]
    assert set(skipped["severity"]) == {"info"}
    assert 'Sheet "Old" was not read: it is hidden.' in skipped["message"].tolist()


def test_headers_and_sheet_names_of_real_danish_workbooks(tmp_path: Path) -> None:
    """Issue 11, problem 3: headers and sheet names a new desk officer's workbook used."""
    english = ["Agreement No.", "Title", "Description", "Country", "Sector (CRS code)",
               "Beløb DKK", "Partner organisation", "Desk officer"]  # fmt: skip
    danish = ["Projektkode", "Titel", "Beskrivelse", "Land", "DAC-kode", "Beløb DKK", "Partner"]
    row = ["A-1", "Women mediators", "Support", "Uganda", 15220, 1000, "UN Women"]
    sheets = {
        "Bilat 2024": [english, row],
        "Multilateral contributions": [english, row],
        "Hum": [danish, row],
    }
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", sheets))

    assert compact(result.rows, "sheet_channel", "project_id", "sector_code", "budget",
                   "partner") == [
        ("Bilat 2024", 2, "bilateral", "A-1", "15220", "1000", "UN Women"),
        ("Multilateral contributions", 2, "multilateral", "A-1", "15220", "1000", "UN Women"),
        ("Hum", 2, "humanitarian", "A-1", "15220", "1000", "UN Women"),
    ]  # fmt: skip
    assert json.loads(result.rows["extra"].iloc[0]) == {"Desk officer": ""}
    first = result.columns[result.columns["sheet"] == "Bilat 2024"]
    assert first[["header_row", "column_letter", "header", "field"]].astype(object).where(
        first.notna(), None
    ).values.tolist() == [
        [1, "A", "Agreement No.", "project_id"], [1, "B", "Title", "title"],
        [1, "C", "Description", "description"], [1, "D", "Country", "recipient_country"],
        [1, "E", "Sector (CRS code)", "sector_code"], [1, "F", "Beløb DKK", "budget"],
        [1, "G", "Partner organisation", "partner"], [1, "H", "Desk officer", None],
    ]  # fmt: skip


def test_sheet_without_channel_name_has_no_channel(tmp_path: Path) -> None:
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Portfolio": [HEADER, project("P")]}))
    assert result.rows["sheet_channel"].isna().all()


def test_blank_lines_and_total_lines_are_kept_and_marked(tmp_path: Path) -> None:
    rows = [
        HEADER,
        project("P-1"),
        [None, None, "   ", None],
        ["N/A", "-", "n.a.", "\xa0"],
        project("P-2"),
        [None, "I alt", None, None, None, 2000],
        ["TOTAL:", None, None, None, None, 2000],
        [],
        [],
    ]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))

    assert compact(result.rows, "project_id", "skip_rule") == [
        ("Bilateral", 2, "P-1", None),
        ("Bilateral", 3, None, "row.blank"),
        ("Bilateral", 4, "N/A", "row.blank"),
        ("Bilateral", 5, "P-2", None),
        ("Bilateral", 6, None, "row.total"),
        ("Bilateral", 7, "TOTAL:", "row.total"),
    ]
    assert findings(result) == [
        ("Bilateral", 3, "row.blank", ""),
        ("Bilateral", 4, "row.blank", ""),
        ("Bilateral", 6, "row.total", "I alt"),
        ("Bilateral", 7, "row.total", "TOTAL:"),
    ]
    assert set(result.findings["severity"]) == {"skip"}
    assert result.findings["message"].iloc[2] == 'Row 6 is a total line ("I alt"), not a project.'


def test_a_project_called_total_something_is_not_a_total_line(tmp_path: Path) -> None:
    rows = [HEADER, ["T-1", "Total budget support", "General budget support", "Uganda", 51010, 5]]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))
    assert compact(result.rows, "skip_rule") == [("Bilateral", 2, None)]


def test_merged_two_line_header(tmp_path: Path) -> None:
    rows = [
        ["Project ID", "Title", "Description", "Budget", "Markers", None, "Country"],
        [None, None, None, "(DKK)", "Gender marker", "GAM", None],
        ["P-1", "Water", "Wells", 5000, 2, 3, "Kenya"],
    ]
    merged = {"Humanitarian": ["A1:A2", "B1:B2", "C1:C2", "E1:F1", "G1:G2"]}
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Humanitarian": rows}, merged=merged))

    assert compact(result.rows, "project_id", "budget", "gender_marker", "gam_code") == [
        ("Humanitarian", 3, "P-1", "5000", "2", "3")
    ]
    assert json.loads(result.rows["raw"].iloc[0]) == {
        "Project ID": "P-1",
        "Title": "Water",
        "Description": "Wells",
        "Budget (DKK)": "5000",
        "Markers Gender marker": "2",
        "Markers GAM": "3",
        "Country": "Kenya",
    }
    assert result.sheets[0]["header_row"] == 1


def test_unit_line_under_header_joins_the_header(tmp_path: Path) -> None:
    """`Budget` over `(DKK)` adds no field, but together the two lines name one."""
    rows = [
        ["Danida portfolio"],
        HEADER,
        [None, None, None, None, None, "(DKK)"],
        project("P-1"),
    ]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))
    assert compact(result.rows, "project_id", "budget") == [("Bilateral", 4, "P-1", "1000")]
    assert result.sheets[0]["header_row"] == 2


def test_first_data_line_never_joins_the_header(tmp_path: Path) -> None:
    """A data cell that happens to be an alias (`Partner`) must not pull line 2 into the header."""
    rows = [[*HEADER, "Role"], [*project("P-1"), "Partner"], [*project("P-2"), "Lead"]]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Multilateral": rows}))
    assert compact(result.rows, "project_id") == [
        ("Multilateral", 2, "P-1"),
        ("Multilateral", 3, "P-2"),
    ]


def test_header_with_line_breaks_and_accents(tmp_path: Path) -> None:
    rows = [
        [
            "Projekt nr.",
            "Titel",
            "Beskrivelse",
            "Modtagerland",
            "DAC-kode",
            "Bevilling\n(DKK)",
            "Ligestillingsmarkør",
        ],
        ["DK-1", "Vand", "Brønde", "Kenya", 14030, 5000, 1],
    ]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateralt": rows}))
    assert compact(result.rows, "sheet_channel", "project_id", "budget", "gender_marker") == [
        ("Bilateralt", 2, "bilateral", "DK-1", "5000", "1")
    ]


def test_extra_raw_duplicate_and_unnamed_columns(tmp_path: Path) -> None:
    rows = [
        [*HEADER, "Budget", "Notes", None, "Notes"],
        [*project("P-1"), 7, "first", "unnamed", "second"],
        [*project("P-2"), None, None, None, None],
    ]
    result = read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))

    assert result.rows["budget"].tolist() == ["1000", "1000"]
    extra = json.loads(result.rows["extra"].iloc[0])
    assert extra == {
        "Budget (column G)": "7",
        "Notes": "first",
        "column I": "unnamed",
        "Notes (column J)": "second",
    }
    assert json.loads(result.rows["extra"].iloc[1]) == dict.fromkeys(extra, "")
    assert list(json.loads(result.rows["raw"].iloc[0])) == [*HEADER, *extra]


def test_cells_become_text_as_excel_shows_them(tmp_path: Path) -> None:
    header = [*HEADER, "Start", "End", "Status", "Cluster", "Partner"]
    rows = [
        header,
        [
            "1234567",
            "Water\xa0 ",
            "  Wells and\xa0pumps",
            "Uganda ",
            "15170",
            "1.234.567,50",
            dt.date(2024, 3, 1),
            dt.datetime(2025, 6, 30, 14, 30),
            True,
            '=HYPERLINK("x")',
            "+cmd",
        ],
        [
            1234567.0,
            "@SUM(A1)",
            "d",
            "UGA",
            15170,
            1234567.5,
            45352,
            "01-03-2024",
            False,
            0.1 + 0.2,
            1e-05,
        ],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}, text_cells={"Bilateral": ["J2"]})
    result = read_portfolio(path)
    columns = [
        "project_id",
        "title",
        "description",
        "recipient_country",
        "sector_code",
        "budget",
        "start_date",
        "end_date",
        "status",
        "cluster",
        "partner",
    ]

    assert compact(result.rows, *columns) == [
        (
            "Bilateral",
            2,
            "1234567",
            "Water",
            "Wells and\xa0pumps",
            "Uganda",
            "15170",
            "1.234.567,50",
            "2024-03-01",
            "2025-06-30 14:30:00",
            "TRUE",
            '=HYPERLINK("x")',
            "+cmd",
        ),
        (
            "Bilateral",
            3,
            "1234567",
            "@SUM(A1)",
            "d",
            "UGA",
            "15170",
            "1234567.5",
            "45352",
            "01-03-2024",
            "FALSE",
            "0.3",
            "0.00001",
        ),
    ]
    assert result.rows["row_number"].dtype == "Int64"
    assert all(result.rows[c].dtype == "string" for c in columns)


def test_formula_cached_values_and_error_cells(tmp_path: Path) -> None:
    """openpyxl cannot write cached values, so the sheet XML is patched the way Excel saves it."""
    rows = [[*HEADER, "Start"], [*project("P-1"), "x"], [*project("P-2"), "x"]]
    path = write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows})
    set_cell_xml(
        path,
        1,
        {
            "F2": '<c r="F2"><f>SUM(100,23)</f><v>123</v></c>',
            "G2": '<c r="G2" t="str"><f>TEXT(45352,"yyyy-mm-dd")</f><v>2024-03-01</v></c>',
            "F3": '<c r="F3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
            "G3": '<c r="G3" s="0" t="e"><f>VLOOKUP(1,Z1:Z2,2)</f><v>#N/A</v></c>',
        },
    )
    result = read_portfolio(path)
    assert compact(result.rows, "budget", "start_date") == [
        ("Bilateral", 2, "123", "2024-03-01"),
        ("Bilateral", 3, "#DIV/0!", "#N/A"),
    ]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_comma_utf8(tmp_path: Path) -> None:
    path = tmp_path / "Multilateral.csv"
    path.write_text(
        "Project ID,Title,Description,Country,DAC code,Budget,Partner\n"
        'M-1,"Peace, women and security",Text,Mali,15220,"1,234,567.50",UN Women\n',
        encoding="utf-8",
    )
    result = read_portfolio(path)
    assert compact(result.rows, "sheet_channel", "title", "budget", "partner") == [
        ("Multilateral", 2, "multilateral", "Peace, women and security", "1,234,567.50", "UN Women")
    ]


def test_csv_semicolon_utf8_bom_with_title_line_and_multiline_field(tmp_path: Path) -> None:
    text = (
        "Danida portfolio – Mali\r\n"
        "\r\n"
        "Projekt nr.;Titel;Beskrivelse;Land;DAC-kode;Bevilling\r\n"
        'D-1;"Kvinder;\r\nfred og sikkerhed";"Linje 1\r\nLinje 2\r\nLinje 3";'
        "Mali;15220;1.234.567,50\r\n"
        "D-2;Vand;Brønde;Mali;14030;2 000\r\n"
        ";;;;;\r\n"
        "I alt;;;;;1.236.567,50\r\n"
    )
    path = tmp_path / "bilateral.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = read_portfolio(path)

    assert compact(result.rows, "project_id", "title", "skip_rule") == [
        ("bilateral", 4, "D-1", "Kvinder;\r\nfred og sikkerhed", None),
        ("bilateral", 8, "D-2", "Vand", None),  # D-1 spans lines 4 to 7
        ("bilateral", 9, None, None, "row.blank"),
        ("bilateral", 10, "I alt", None, "row.total"),
    ]
    assert result.sheets[0]["header_row"] == 3


def test_csv_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "portefølje.csv"
    text = (
        "J.nr.;Titel;Beskrivelse;Land;DAC-kode;Beløb\n"
        "J-1;Kvinders rettigheder;Støtte til æøå;Ægypten;15170;100\n"
    )
    path.write_bytes(text.encode("cp1252"))
    result = read_portfolio(path, file_name="portefølje.csv")
    assert compact(result.rows, "description", "recipient_country", "budget") == [
        ("portefølje", 2, "Støtte til æøå", "Ægypten", "100")
    ]


def test_csv_named_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_text(",".join(HEADER) + "\nP-1,T,D,Mali,15170,5\n", encoding="utf-8")
    result = read_portfolio(path, file_name="portfolio.xlsx")
    assert compact(result.rows, "project_id") == [("portfolio", 2, "P-1")]


# --- refusals -----------------------------------------------------------------------------------


def test_no_header_anywhere_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    sheets = {"Data": [["Some", "table"], [1, 2]], "Instructions": [["help"]]}
    path = write_xlsx(tmp_path / "p.xlsx", sheets)
    with pytest.raises(UploadRefused) as refused:
        read_portfolio(path, file_name="Uganda.xlsx")
    assert refused.value.rule == "upload.no_header"
    message = str(refused.value)
    assert message.startswith('"Uganda.xlsx" has no header row')
    assert '"Data" (no row among its first 20 names the project columns)' in message
    assert '"Instructions" (its name marks it' in message


def test_header_below_row_20_is_not_found(tmp_path: Path) -> None:
    rows = [[f"note {i}"] for i in range(21)] + [HEADER, project("P-1")]
    with pytest.raises(UploadRefused) as refused:
        read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}))
    assert refused.value.rule == "upload.no_header"


def test_header_without_project_rows_is_refused(tmp_path: Path) -> None:
    rows = [HEADER, [], ["Total", None, None, None, None, 0]]
    with pytest.raises(UploadRefused) as refused:
        read_portfolio(write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}), file_name="x.xlsx")
    assert refused.value.rule == "upload.no_rows"
    assert str(refused.value) == '"x.xlsx" has a header but no project rows under it.'


def test_pdf_renamed_xlsx_is_refused_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(UploadRefused) as refused:
        read_portfolio(path)
    assert refused.value.rule == "upload.not_a_workbook"


# --- real data ------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_crs_extract_reads_or_refuses_cleanly(realdata: Path) -> None:
    path = realdata / "crs" / "Finland-4.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    started = time.perf_counter()
    try:
        result = read_portfolio(path)
    except UploadRefused as refused:
        print(f"\nFinland-4.xlsx refused ({refused.rule}) in {time.perf_counter() - started:.2f}s")
        assert refused.rule.startswith("upload.")
        return
    print(
        f"\nFinland-4.xlsx: {len(result.rows)} lines from {result.sheets} "
        f"in {time.perf_counter() - started:.2f}s"
    )
    assert len(result.rows) > 0
    assert result.rows["row_number"].min() >= 2


# --- read_upload: the one entry point for workbooks, CRS extracts and IATI files ---------------

SOURCES = Path(__file__).parent / "fixtures" / "sources"


def test_read_upload_marks_a_workbook_as_such(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "p.xlsx", {"Bilateral": [HEADER, project("P-1"), [], project("P-2")]}
    )
    result = read_upload(path)
    assert result.source == "workbook" and result.lines is None and result.rows_merged == 0
    assert compact(result.rows, "project_id", "source", "is_aggregate") == [
        ("Bilateral", 2, "P-1", "workbook", False),
        ("Bilateral", 3, None, "workbook", False),
        ("Bilateral", 4, "P-2", "workbook", False),
    ]
    assert list(result.rows.columns[-4:]) == ["source", "is_aggregate", "extra", "raw"]
    assert str(result.rows["is_aggregate"].dtype) == "boolean"
    # the workbook reader's own result is unchanged
    assert "source" not in read_portfolio(path).rows.columns


def test_read_upload_reads_a_crs_extract_with_its_lines() -> None:
    result = read_upload(SOURCES / "crs_bulk.txt", file_name="crs.txt")
    assert result.source == "crs" and result.rows_merged == 1
    assert result.rows_read == len(result.lines) == 5
    assert set(result.rows["source"]) == {"crs"}
    assert result.rows["is_aggregate"].sum() == 1
    assert list(result.rows.columns[-4:]) == ["source", "is_aggregate", "extra", "raw"]


@pytest.mark.parametrize("packed", [False, True])
def test_read_upload_reads_iati_plain_or_gzipped(tmp_path: Path, packed: bool) -> None:
    data = (SOURCES / "iati_v203.xml").read_bytes()
    path = tmp_path / "activities.bin"
    path.write_bytes(gzip.compress(data) if packed else data)  # sniff alone refuses gzip
    result = read_upload(path, file_name="activities.xml")
    assert result.source == "iati" and result.lines is None and result.rows_merged == 0
    assert len(result.rows) == 4 and not result.rows["is_aggregate"].any()


def test_read_upload_applies_the_size_limit_to_every_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "MAX_UPLOAD_BYTES", 200)
    workbook = write_xlsx(tmp_path / "p.xlsx", {"Bilateral": [HEADER, project("P-1")]})
    for path in (SOURCES / "iati_v203.xml", SOURCES / "crs_bulk.txt", workbook):
        with pytest.raises(UploadRefused) as refused:
            read_upload(path)
        assert refused.value.rule == "upload.too_large", path.name


def test_read_upload_checks_zip_expansion_before_the_crs_sniff_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", {"Bilateral": [HEADER, project("P-1")]})
    monkeypatch.setattr(config, "MAX_UNZIPPED_BYTES", 1000)

    def opened(*_: object) -> bool:
        raise AssertionError("the CRS sniff opened a workbook sniff had not checked")

    monkeypatch.setattr(crs, "sniff_crs", opened)
    with pytest.raises(UploadRefused) as refused:
        read_upload(path)
    assert refused.value.rule == "upload.unzipped_too_large"


def test_read_upload_names_other_xml_instead_of_calling_it_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "org.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<iati-organisations version="2.03"><iati-organisation/>'
        "</iati-organisations>",
        encoding="utf-8",
    )
    with pytest.raises(UploadRefused) as refused:
        read_upload(path)
    assert refused.value.rule == "upload.not_iati"
    assert "<iati-organisations>" in str(refused.value)


def test_read_upload_still_refuses_what_is_no_portfolio(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(UploadRefused) as refused:
        read_upload(path)
    assert refused.value.rule == "upload.not_a_workbook"
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(UploadRefused) as refused:
        read_upload(empty)
    assert refused.value.rule == "upload.not_a_workbook"


def test_a_number_cell_with_three_decimals_keeps_its_value(tmp_path) -> None:
    """2.125 typed as a number (a budget in millions, say) must not read as 2,125."""
    from openpyxl import Workbook

    from screening.normalise import normalise

    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(["Project ID", "Title", "Description", "Country", "DAC code", "Budget"])
    for i, budget in enumerate([2.125, -12.125, 1234.125, 1234567.5, 0.5]):
        ws.append([f"P{i}", "T", "D", "UGA", 15170, budget])
    wb.save(tmp_path / "numbers.xlsx")
    rows = read_portfolio(tmp_path / "numbers.xlsx").rows
    projects, _ = normalise(rows[rows["skip_rule"].isna()])
    assert projects["budget"].tolist() == [2.125, -12.125, 1234.125, 1234567.5, 0.5]


def test_formulas_saved_without_values_are_reported_once_per_sheet(tmp_path) -> None:
    """openpyxl, like scripts, saves formulas without a value: they read empty, and we say why."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(["Project ID", "Title", "Description", "Country", "DAC code", "Budget"])
    ws.append(["P1", "T", "D", "UGA", 15170, "=1000*3"])  # row 2: a project line
    ws.append(["P2", "T", "D", "UGA", 15170, 500])
    ws.append(["Total", None, None, None, None, "=SUM(F2:F3)"])  # a total line: not reported
    wb.save(tmp_path / "formulas.xlsx")
    result = read_portfolio(tmp_path / "formulas.xlsx")
    found = result.findings[result.findings["rule"] == "sheet.uncached_formulas"]
    assert found["message"].tolist() == [
        'Sheet "Bilateral": 1 formula cells have no saved value and read as empty (F2); open '
        "the file in Excel, let it calculate, save it and upload it again."
    ]


# --- old and broken files (issue 11, problem 7) -------------------------------------------------


@pytest.mark.parametrize("body", [bytes(504), bytes(range(256)) * 20], ids=["cut", "garbage"])
def test_a_corrupt_ole_file_is_refused_in_one_sentence(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + body)
    with pytest.raises(UploadRefused) as refused:
        read_upload(path)
    assert refused.value.rule == "upload.unreadable"
    assert str(refused.value).startswith('"old.xls" could not be read')


@pytest.mark.slow
def test_a_legacy_xls_workbook_is_read(tmp_path: Path) -> None:
    from tests.printing import convert

    rows = [["Danida portfolio"], [], HEADER, project("UGA-1"), project("UGA-2", "1.500,50")]
    xlsx = write_xlsx(tmp_path / "old.xlsx", {"Bilateral": rows, "Lists": [["Uganda"]]})
    xls = convert(xlsx, "xls", tmp_path / "xls")

    result = read_upload(xls)

    assert compact(result.rows, "sheet_channel", "project_id", "budget") == [
        ("Bilateral", 4, "bilateral", "UGA-1", "1000"),
        ("Bilateral", 5, "bilateral", "UGA-2", "1.500,50"),
    ]


def test_headings_and_source_lines_are_skipped_with_their_reason(tmp_path: Path) -> None:
    """Issue 11, problem 4: a region heading (one cell, often merged) and a "Kilde:" line are
    not projects: skipped with their reason, not rejected six times each."""
    rows = [
        HEADER,
        ["Østafrika"],  # row 2, merged across the table
        project("UGA-1"),
        ["Sahel"],  # row 4
        project("MLI-1"),
        [],
        ["Kilde: Danida AMG, udtræk 2024-11-01"],  # row 7
        ["* Beløb i DKK"],  # row 8
    ]
    path = write_xlsx(tmp_path / "p.xlsx", {"Bilateral": rows}, merged={"Bilateral": ["A2:F2"]})
    result = read_portfolio(path)
    assert compact(result.rows, "skip_rule") == [
        ("Bilateral", 2, "row.heading"),
        ("Bilateral", 3, None),
        ("Bilateral", 4, "row.heading"),
        ("Bilateral", 5, None),
        ("Bilateral", 6, "row.blank"),
        ("Bilateral", 7, "row.note"),
        ("Bilateral", 8, "row.note"),
    ]
    messages = result.findings.set_index("row_number")["message"]
    assert messages[2] == 'Row 2 is a heading ("Østafrika"), not a project.'
    assert messages[7].startswith('Row 7 is a source or note line ("Kilde: Danida AMG')

"""The CRS reader: recognising the layout, merging yearly lines, aggregates, codes, channels.

The xlsx fixture is built here with openpyxl (invented lines in the CRS++ layout); the
pipe-delimited fixture imitates the OECD bulk download. The real Finland extract is read
in place by the `realdata` tests.
"""

# ruff: noqa: E501  (the fixture lines are a table: one CRS line per entry reads best wide)
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from screening.errors import UploadRefused
from screening.readers import read_upload
from screening.readers.crs import looks_like_crs, read_crs, sniff_crs
from screening.reference import recipient_codes
from screening.rules import header_key

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
BULK = FIXTURES / "crs_bulk.txt"

HEADER = [
    "ActivityId", "Year", "donorcode", "donorname", "agencycode", "crsid", "projectnumber",
    "recipientcode", "recipientname", "bi_multi", "aid_t", "usd_commitment", "usd_disbursement",
    "shortdescription", "projecttitle", "purposecode", "channelname", "channelreportedname",
    "expectedstartdate", "completiondate", "longdescription", "gender", "",
]  # fmt: skip
D = dt.datetime
LINES = [
    # one activity over three report years: title respelled, marker revised, money in two years
    ["2018-1-A1", 2018, 99, "Testland", 1, 2018000001, 111, 248, "Kenya", 1, "C01", 100000.0, 0.0,
     "WPS KENYA", "WOMEN MEDIATORS KENYA", 15220, "NGOs", "Peace Forum", D(2018, 3, 1), D(2020, 12, 31),
     "Women mediators for local peace committees.", 1, "x"],
    ["2018-1-A1", 2019, 99, "Testland", 1, 2019000001, 111, 248, "Kenya", 1, "C01", 0.0, 40000.0,
     "WPS KENYA", "Women mediators Kenya", 15220, "NGOs", "Peace Forum", D(2018, 1, 1), D(2021, 6, 30),
     "", 2, None],
    None,  # a blank line between activities
    ["2018-1-A1", 2020, 99, "Testland", 1, 2020000001, 111, 248, "Kenya", 1, "C01", 50000.5, 60000.0,
     "WPS KENYA", "Women Mediators in Kenya", 15220, "NGOs", "Peace Forum", None, "31-12-2021",
     "Women mediators for local peace committees and county dialogues.", 2, None],
    # humanitarian purpose code beats bi_multi
    ["2019-2-B2", 2019, 99, "Testland", 1, 2019000002, 222, 273, "Somalia", 1, "C01", 30000.0, 30000.0,
     "GBV RESPONSE", "GBV response for displaced women", 72010, "UN", "UNFPA", None, None,
     "", 1, None],
    # multilateral core contribution; regional recipient
    ["2019-3-C3", 2019, 99, "Testland", 1, 2019000003, 333, 298, "Africa, regional", 2, "B02", 500000.0, 500000.0,
     "CORE", "Core contribution to UN Women", 15170, "UN Women", "", None, None, "", 0, None],
    # bilateral via NGO core support; blank marker stays blank
    ["2019-4-D4", 2019, 99, "Testland", 1, 2019000004, 444, 998, "Bilateral, unspecified", 3, "B01", 7000.0, 7000.0,
     "NGO", "Core support to NGO", 15150, "NGOs", "Civic Org", None, None, "", None, None],
    # an aggregate line: money, no project text; kept and flagged
    ["2019-5-E5", 2019, 99, "Testland", 1, 2019000005, "", 248, "Kenya", 1, "C01", 12345.0, 12345.0,
     "", "Aggregate activities", 15170, "", "", None, None, "", 1, None],
    # triangular co-operation; a recipient code not in our list keeps the name
    ["2019-6-F6", 2019, 99, "Testland", 1, 2019000006, 666, 9876, "Atlantis", 8, "C01", 1.0, 1.0,
     "TRIANGULAR", "Triangular co-operation", 15110, "", "", None, None, "", 0, None],
]  # fmt: skip


@pytest.fixture(scope="module")
def crs_xlsx(tmp_path_factory) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "SelectData"
    ws.append(HEADER)
    for line in LINES:
        ws.append(line or [" "])  # whitespace only: a blank line Excel still stores
    codes = wb.create_sheet("Sheet1")
    codes.append(["code", "name"])
    codes.append([15170, "Women's rights organisations"])
    path = tmp_path_factory.mktemp("crs") / "Testland.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def result(crs_xlsx):
    return read_crs(crs_xlsx)


@pytest.fixture(scope="module")
def projects(result):
    rows = result.rows
    return rows[rows["skip_rule"].isna()].set_index("project_id", drop=False)


def test_looks_like_crs():
    assert looks_like_crs({header_key(h) for h in HEADER if h})
    bulk = BULK.read_text(encoding="utf-8").splitlines()[0].split("|")
    assert looks_like_crs({header_key(h) for h in bulk})
    desk = ["Project ID", "Title", "Description", "Country", "DAC code", "Budget", "Gender marker"]
    assert not looks_like_crs({header_key(h) for h in desk})


def test_sniff(crs_xlsx, tmp_path):
    assert sniff_crs(crs_xlsx, "xlsx") == 1 and sniff_crs(BULK, "csv") == 1e6
    other = tmp_path / "desk.csv"
    other.write_text("Project ID,Title,Country\n1,x,KEN\n", encoding="utf-8")
    assert sniff_crs(other, "csv") is None
    assert read_upload(other).source == "workbook"


def test_counts_add_up(result, crs_xlsx):
    rows, lines = result.rows, result.lines
    assert len(lines) == 9  # eight lines and the blank one; Sheet1 is not CRS
    assert result.rows_skipped == 1
    assert result.rows_merged == 2
    assert result.rows_read == len(lines) == len(rows) + result.rows_merged
    assert [s["status"] for s in result.sheets] == ["read", "skipped"]
    assert set(result.findings["rule"]) == {"row.blank", "crs.lines_merged", "crs.aggregate_line",
                                            "sheet.skipped"}  # fmt: skip


def test_yearly_lines_merge_into_one_project(projects, result):
    row = projects.loc["2018-1-A1"]
    assert row["title"] == "Women Mediators in Kenya"  # latest year's spelling
    assert row["description"] == "Women mediators for local peace committees and county dialogues."
    assert row["gender_marker"] == "2"  # latest marker
    assert (row["budget"], row["currency"]) == ("150000.50", "USD")  # commitments summed
    assert (row["start_date"], row["end_date"]) == ("2018-01-01", "2021-12-31")  # widest
    assert row["row_number"] == 5  # the 2020 line, where the text comes from
    crs = json.loads(row["extra"])["crs"]
    assert crs["years"] == [2018, 2019, 2020] and crs["rows"] == [2, 3, 5]
    assert crs["usd_disbursement"] == 100000.0
    lines = result.lines.set_index("row_number")
    assert lines.loc[2, "merged_into"] == 5 and lines.loc[3, "merged_into"] == 5
    assert pd.isna(lines.loc[5, "merged_into"]) and lines.loc[5, "project_row"] == 5
    assert lines.loc[4, "skip_rule"] == "row.blank"
    assert lines.loc[2, "year"] == 2018 and lines.loc[5, "usd_commitment"] == 50000.5


def test_description_falls_back_to_short_description(projects):
    assert projects.loc["2019-2-B2", "description"] == "GBV RESPONSE"


def test_recipient_codes(projects):
    assert projects.loc["2018-1-A1", "recipient_country"] == "KEN"
    assert projects.loc["2019-3-C3", "recipient_country"] == "R298"
    assert projects.loc["2019-4-D4", "recipient_country"] == "R998"
    assert projects.loc["2019-6-F6", "recipient_country"] == "Atlantis"  # unknown code: the name


def test_channels_from_bi_multi_and_purpose(projects):
    channel = projects["channel"]
    assert channel["2018-1-A1"] == "bilateral"  # 1
    assert channel["2019-2-B2"] == "humanitarian"  # 72010, although bi_multi 1
    assert channel["2019-3-C3"] == "multilateral"  # 2
    assert channel["2019-4-D4"] == "bilateral"  # 3
    assert channel["2019-6-F6"] == "bilateral"  # 8


def test_partner_and_sector(projects):
    assert projects.loc["2018-1-A1", "partner"] == "Peace Forum"  # reported name first
    assert projects.loc["2019-3-C3", "partner"] == "UN Women"  # else the channel name
    assert projects.loc["2019-2-B2", "sector_code"] == "72010"


def test_blank_marker_stays_blank(projects):
    assert pd.isna(projects.loc["2019-4-D4", "gender_marker"])


def test_aggregate_lines_kept_and_flagged(projects, result):
    row = projects.loc["2019-5-E5"]
    assert bool(row["is_aggregate"]) and row["budget"] == "12345"
    assert row["title"] == "Aggregate activities"  # nothing invented
    assert projects["is_aggregate"].sum() == 1
    aggregate = result.findings[result.findings["rule"] == "crs.aggregate_line"]
    assert aggregate["row_number"].tolist() == [9] and (aggregate["severity"] == "warning").all()


def test_headerless_column_with_data_is_kept(projects):
    raw = json.loads(projects.loc["2018-1-A1", "raw"])
    assert "column W" in raw


def test_bulk_file_without_activity_id(tmp_path):
    result = read_crs(BULK)
    rows = result.rows.set_index("project_id", drop=False)
    # "P001" and "P 001" in Kenya are one activity; P001 in Uganda is another
    assert result.rows_merged == 1 and len(rows) == 4
    assert rows.loc["P001/248", "budget"] == "150000"
    assert rows.loc["P001/248", "title"] == "Women Mediators in Kenya (phase 1)"
    assert rows.loc["P001/285", "recipient_country"] == "UGA"
    assert rows["is_aggregate"].sum() == 1  # "Aggregate activities" without a project number
    scaled = read_crs(BULK, amount_scale=1e6).rows.set_index("project_id")
    assert scaled.loc["P002", "budget"] == "3000000000"


def test_read_upload_scales_a_bulk_file_to_dollars(tmp_path):
    """The OECD's bulk CRS files (pipe-delimited text) report USD millions; an extract saved
    as a comma CSV or a workbook reports dollars."""
    bulk = read_upload(BULK).rows.set_index("project_id")
    assert bulk.loc["P002", "budget"] == "3000000000"  # 3000 USD millions
    assert read_upload(BULK).details["amount_scale"] == 1e6
    comma = tmp_path / "crs.csv"
    comma.write_text(BULK.read_text(encoding="utf-8").replace(",", " ").replace("|", ","))
    assert read_upload(comma).rows.set_index("project_id").loc["P002", "budget"] == "3000"


def test_csv_comma_layout(tmp_path):
    text = BULK.read_text(encoding="utf-8").replace(",", " ").replace("|", ",")
    path = tmp_path / "crs.csv"
    path.write_text(text, encoding="utf-8")
    assert read_crs(path).rows_read == 5


def test_messages_name_csv_lines_and_worksheet_rows(tmp_path, result):
    """A CRS CSV extract is numbered by line, as a text editor shows it ("Line 6"); an xlsx
    extract by row, as Excel shows it ("Row 9"). The numbers themselves stay numbers."""
    from screening.normalise import normalise
    from screening.validate import validate

    lines = BULK.read_text(encoding="utf-8").replace(",", " ").replace("|", ",").splitlines()
    lines[3] = lines[3].replace(",70000,70000,", ",afventer,70000,")  # line 4: not a number
    lines.insert(4, "")  # line 5: blank
    path = tmp_path / "crs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_upload(path)
    assert read.source == "crs"
    rows = read.rows.set_index("row_number")
    assert rows.loc[4, "row_label"] == "Line 4" and rows.loc[5, "skip_rule"] == "row.blank"
    projects, normalised = normalise(read.rows[read.rows["skip_rule"].isna()])
    findings = pd.concat(
        [read.findings, normalised, validate(projects, normalised)], ignore_index=True
    )
    messages = {(r.rule, r.row_number): r.message for r in findings.itertuples()}
    assert messages["row.blank", 5] == "Line 5 is blank."
    assert messages["number.invalid", 4] == 'Line 4: budget "afventer" is not a number.'
    assert messages["crs.aggregate_line", 6].startswith('Line 6: "Aggregate activities"')
    assert messages["country.unknown", 7].startswith('Line 7: country "Atlantis"')
    rowed = findings[findings["row_number"].notna()]
    assert rowed["message"].str.match(r"Line \d+\b").all()
    assert str(findings["row_number"].dtype) == "Int64"

    # the xlsx extract of the fixture: Excel's rows
    assert (result.rows["row_label"] == "Row " + result.rows["row_number"].astype(str)).all()
    found = result.findings.set_index("rule")
    assert found.loc["row.blank", "message"] == "Row 4 is blank."
    assert found.loc["crs.aggregate_line", "message"].startswith('Row 9: "Aggregate activities"')


def test_not_crs_is_refused(tmp_path):
    path = tmp_path / "desk.csv"
    path.write_text("Project ID,Title,Country\n1,x,KEN\n", encoding="utf-8")
    with pytest.raises(UploadRefused) as refused:
        read_crs(path)
    assert refused.value.rule == "upload.no_header"


def test_reference_list_is_well_formed():
    import pycountry

    codes = recipient_codes()
    assert len(codes) > 150
    for crs_code, code in codes.items():
        assert crs_code.isdigit()
        if code[1:].isdigit():  # regional or unspecified: R + the CRS code
            assert code == f"R{crs_code}"
        else:
            assert code == "XKX" or pycountry.countries.get(alpha_3=code), code


# --- the real extract, in place ---------------------------------------------------------------


_FINLAND: dict[Path, object] = {}


@pytest.fixture
def finland(realdata):
    """The Finland extract, read once per session (it takes about a second)."""
    if realdata not in _FINLAND:
        result = read_crs(realdata / "crs" / "Finland-4.xlsx")
        _FINLAND[realdata] = result
    return realdata, _FINLAND[realdata]


@pytest.mark.realdata
def test_finland_counts_add_up(finland):
    _, result = finland
    assert result.rows_read == len(result.lines) == 7066
    assert len(result.rows) + result.rows_merged == 7066
    assert result.rows_skipped == 0
    assert result.rows["project_id"].nunique() == len(result.rows) == 2706


@pytest.mark.realdata
def test_finland_agrees_with_published_iati_conversion(finland):
    """activities.csv holds the CRS-to-IATI conversion of this extract (ids FI-3-<ActivityId>):
    our merge must give the same activities, markers and summed commitments."""
    realdata, result = finland
    flat = pd.read_csv(realdata / "activities.csv", dtype=str)
    flat = flat[flat["source"].str.contains("Finland-4", na=False)].set_index("iati_identifier")
    rows = result.rows.assign(iid="FI-3-" + result.rows["project_id"]).set_index("iid")
    assert flat.index.isin(rows.index).all()
    both = rows.loc[flat.index]
    assert (both["gender_marker"].astype(str) == flat["gender_marker_significance"]).all()
    budget = both["budget"].astype(float).round(0)
    assert (budget == flat["total_budget_or_commitment"].astype(float).round(0)).mean() > 0.99


@pytest.mark.realdata
def test_recipient_codes_agree_with_finland_extract(finland):
    """Every recipient code in the Finland extract is in our list (written independently)."""
    _, result = finland
    raw = result.lines["raw"].map(json.loads)
    codes = {r["recipientcode"] for r in raw}
    assert codes <= set(recipient_codes())


def test_several_donors_number_projects_independently(tmp_path):
    """In a multi-donor extract, two donors' project 5001 are two projects, not duplicates."""
    wb = Workbook()
    ws = wb.active
    ws.title = "SelectData"
    ws.append(
        [
            "Year",
            "donorcode",
            "donorname",
            "projectnumber",
            "recipientcode",
            "bi_multi",
            "usd_commitment",
            "projecttitle",
            "purposecode",
            "gender",
        ]
    )
    ws.append(
        [2019, 18, "Finland", "5001", 285, 1, 1.0, "Women in local peace committees", 15220, 1]
    )
    ws.append([2019, 30, "Sweden", "5001", 285, 1, 2.0, "Roads in the north", 21020, 0])
    path = tmp_path / "bulk.xlsx"
    wb.save(path)
    result = read_crs(path)
    assert sorted(result.rows["project_id"]) == ["18-5001", "30-5001"]

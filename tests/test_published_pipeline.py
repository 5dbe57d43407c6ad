"""Published data through the same stages as a workbook: read_upload -> normalise -> validate.

The fixtures are invented (a CRS++ workbook built here in the layout of tests/test_source_crs.py,
a small IATI 2.03 file written here, and the IATI fixtures of tests/fixtures/sources/); the
real files in ../shared/realdata are read in place by the `realdata` tests at the end, which
print what is loaded and rejected, by rule.
"""

# ruff: noqa: E501  (the fixture lines are a table: one CRS line per entry reads best wide)
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from screening.errors import UploadRefused
from screening.normalise import normalise
from screening.readers import ReadResult, read_upload
from screening.validate import validate
from tests.test_source_crs import HEADER as CRS_HEADER
from tests.workbooks import write_xlsx

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
D = dt.datetime

# Columns of tests/test_source_crs.HEADER, in order:
# ActivityId, Year, donorcode, donorname, agencycode, crsid, projectnumber, recipientcode,
# recipientname, bi_multi, aid_t, usd_commitment, usd_disbursement, shortdescription,
# projecttitle, purposecode, channelname, channelreportedname, expectedstartdate,
# completiondate, longdescription, gender, (unnamed)
DESCRIPTION = "Women mediators for local peace committees and county dialogues in the north."
CRS_LINES = [
    # one activity over two report years, marker left blank both years (not screened)
    ["2018-1-A1", 2018, 99, "Testland", 1, 2018000001, 111, 248, "Kenya", 1, "C01", 100000.0, 0.0,
     "WPS KENYA", "Women mediators Kenya", 15220, "NGOs", "Peace Forum", D(2018, 3, 1), D(2020, 12, 31),
     DESCRIPTION, None, None],
    ["2018-1-A1", 2019, 99, "Testland", 1, 2019000001, 111, 248, "Kenya", 1, "C01", 50000.0, 40000.0,
     "WPS KENYA", "Women mediators in Kenya", 15220, "NGOs", "Peace Forum", None, D(2021, 6, 30),
     DESCRIPTION, None, None],
    # humanitarian by purpose code: no GAM, no marker, no partner
    ["2019-2-B2", 2019, 99, "Testland", 1, 2019000002, 222, 273, "Somalia", 1, "C01", 30000.0, 30000.0,
     "GBV RESPONSE", "GBV response for displaced women", 72010, "", "", None, None,
     "Emergency protection and health services for women displaced by drought.", None, None],
    # a former ODA recipient, reported when it was one
    ["2005-3-C3", 2005, 99, "Testland", 1, 2005000003, 333, 434, "Chile", 1, "C01", 20000.0, 20000.0,
     "JUDICIAL", "Women's access to justice", 15130, "NGOs", "Justice Forum", None, None,
     "Legal aid for women in rural courts.", 1, None],
    # an aggregate line: money, a title, no description
    ["2019-5-E5", 2019, 99, "Testland", 1, 2019000005, "", 248, "Kenya", 1, "C01", 12345.0, 12345.0,
     "", "Aggregate activities", 15170, "", "", None, None, "", None, None],
    # multilateral core contribution, regional, no partner named
    ["2019-6-F6", 2019, 99, "Testland", 1, 2019000006, 666, 298, "Africa, regional", 2, "B02", 500000.0, 500000.0,
     "CORE", "Core contribution to UN Women", 15170, "UN Women", "", None, None, "", 0, None],
]  # fmt: skip

IATI = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity default-currency="EUR">
    <iati-identifier>XX-PUB-1</iati-identifier>
    <title><narrative>Women in peace talks</narrative></title>
    <description><narrative>Support to women negotiators.</narrative></description>
    <recipient-country code="CO"/>
    <sector vocabulary="1" code="15220"/>
    <collaboration-type code="1"/>
    <budget type="1"><value>1000</value></budget>
  </iati-activity>
  <iati-activity default-currency="USD" humanitarian="1">
    <iati-identifier>XX-PUB-2</iati-identifier>
    <title><narrative>Shelter for displaced women</narrative></title>
    <description><narrative>Safe shelter and protection.</narrative></description>
    <recipient-country code="SS"/>
    <sector vocabulary="1" code="72010"/>
    <collaboration-type code="1"/>
    <policy-marker vocabulary="1" code="1" significance="1"/>
    <budget type="1"><value>500</value></budget>
  </iati-activity>
  <iati-activity default-currency="USD">
    <iati-identifier>XX-PUB-3</iati-identifier>
    <title><narrative>Women's courts</narrative></title>
    <description><narrative>Legal aid.</narrative></description>
    <recipient-country code="UY"/>
    <sector vocabulary="1" code="15130"/>
    <collaboration-type code="1"/>
    <budget type="1"><value>700</value></budget>
  </iati-activity>
  <iati-activity default-currency="GBP">
    <iati-identifier>XX-PUB-4</iati-identifier>
    <title><narrative>Refugee women's groups at home</narrative></title>
    <description><narrative>Groups in London.</narrative></description>
    <recipient-country code="GB"/>
    <sector vocabulary="1" code="15170"/>
    <collaboration-type code="1"/>
    <budget type="1"><value>300</value></budget>
  </iati-activity>
  <iati-activity>
    <iati-identifier>XX-PUB-5</iati-identifier>
    <title><narrative>Regional programme</narrative></title>
    <description><narrative>Women's networks across Asia.</narrative></description>
    <recipient-country code="798"/>
    <sector vocabulary="1" code="15170"/>
    <collaboration-type code="2"/>
    <budget type="1"><value>900</value></budget>
  </iati-activity>
</iati-activities>
"""


@dataclass
class Run:
    """One upload through the stages, with the counts the ingest flow reports."""

    read: ReadResult
    projects: pd.DataFrame
    findings: pd.DataFrame

    @property
    def errors(self) -> pd.DataFrame:
        return self.findings[self.findings["severity"] == "error"]

    @property
    def rejected(self) -> int:
        return len(self.errors[["sheet", "row_number"]].drop_duplicates())

    @property
    def skipped(self) -> int:
        return int(self.read.rows["skip_rule"].notna().sum())

    @property
    def loaded(self) -> int:
        return len(self.projects) - self.rejected

    def rules(self, severity: str | None = None) -> Counter:
        found = self.findings
        if severity:
            found = found[found["severity"] == severity]
        return Counter(zip(found["rule"], found["column_name"].fillna(""), strict=True))

    def row(self, project_id: str) -> pd.Series:
        return self.projects.set_index("project_id").loc[project_id]

    def rules_of(self, project_id: str) -> set[str]:
        number = self.row(project_id)["row_number"]
        return set(self.findings.loc[self.findings["row_number"] == number, "rule"])


def run(path: Path, file_name: str | None = None, channel: str | None = None) -> Run:
    result = read_upload(path, file_name=file_name)
    rows = result.rows[result.rows["skip_rule"].isna()]
    projects, normalised = normalise(rows, channel=channel)
    validated = validate(projects, normalised)
    findings = pd.concat([result.findings, normalised, validated], ignore_index=True)
    return Run(result, projects, findings)


def write_crs_workbook(path: Path) -> Path:
    """CRS_LINES as a CRS++ extract (sheet SelectData), as donors download it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "SelectData"
    ws.append(CRS_HEADER)
    for line in CRS_LINES:
        ws.append(line)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def crs_run(tmp_path_factory) -> Run:
    return run(write_crs_workbook(tmp_path_factory.mktemp("crs") / "Testland.xlsx"))


@pytest.fixture(scope="module")
def iati_run(tmp_path_factory) -> Run:
    path = tmp_path_factory.mktemp("iati") / "activities.xml"
    path.write_text(IATI, encoding="utf-8")
    return run(path)


# --- CRS ------------------------------------------------------------------------------------


def test_crs_counts_add_up(crs_run: Run) -> None:
    read = crs_run.read
    assert read.source == "crs"
    assert read.rows_read == len(read.lines) == 6
    assert read.rows_merged == 1 and len(crs_run.projects) == 5
    assert crs_run.rejected == 0 and crs_run.skipped == 0
    assert read.rows_read == crs_run.loaded + read.rows_merged + crs_run.rejected + crs_run.skipped


def test_crs_blank_markers_and_missing_gam_are_not_missing(crs_run: Run) -> None:
    assert crs_run.errors.empty
    assert not (crs_run.findings["rule"] == "required.missing").any()
    assert pd.isna(crs_run.row("2018-1-A1")["gender_marker"])  # blank stays blank: not screened


def test_crs_humanitarian_line_loads(crs_run: Run) -> None:
    row = crs_run.row("2019-2-B2")
    assert row["channel"] == "humanitarian" and pd.isna(row["gam_code"])
    assert pd.isna(row["gender_marker"]) and pd.isna(row["partner"])
    assert crs_run.rules_of("2019-2-B2") == {"description.short"}  # a warning only


def test_crs_aggregate_loads_without_description_rules(crs_run: Run) -> None:
    aggregate = crs_run.projects[crs_run.projects["is_aggregate"]]
    assert len(aggregate) == 1
    assert crs_run.rules_of(aggregate.iloc[0]["project_id"]) == {"crs.aggregate_line"}


def test_crs_former_oda_recipient_is_a_warning(crs_run: Run) -> None:
    row = crs_run.row("2005-3-C3")
    assert row["recipient_country"] == "CHL"
    found = crs_run.findings[crs_run.findings["rule"] == "country.former_oda_recipient"]
    assert list(found["severity"]) == ["warning"] and list(found["value"]) == ["CHL"]
    assert "country.not_oda_recipient" not in crs_run.rules_of("2005-3-C3")


def test_crs_projects_carry_source_and_currency(crs_run: Run) -> None:
    assert set(crs_run.projects["source"]) == {"crs"}
    assert set(crs_run.projects["currency"]) == {"USD"}
    assert crs_run.row("2018-1-A1")["budget"] == 150000.0


# --- IATI -----------------------------------------------------------------------------------


def test_iati_counts(iati_run: Run) -> None:
    assert iati_run.read.source == "iati" and iati_run.read.rows_merged == 0
    assert len(iati_run.projects) == 5 and iati_run.rejected == 1  # XX-PUB-4, at home


def test_iati_needs_no_marker_or_gam(iati_run: Run) -> None:
    assert not (iati_run.findings["rule"] == "required.missing").any()
    row = iati_run.row("XX-PUB-2")
    assert row["channel"] == "humanitarian" and pd.isna(row["gam_code"])


def test_iati_recipients(iati_run: Run) -> None:
    assert iati_run.row("XX-PUB-3")["recipient_country"] == "URY"
    assert iati_run.rules_of("XX-PUB-3") == {"country.former_oda_recipient", "description.short"}
    assert "country.not_oda_recipient" in iati_run.rules_of("XX-PUB-4")
    assert iati_run.row("XX-PUB-5")["recipient_country"] == "R798"  # a CRS code in IATI


def test_iati_currency_is_never_defaulted_to_dkk(iati_run: Run) -> None:
    assert pd.isna(iati_run.row("XX-PUB-5")["currency"])
    assert iati_run.row("XX-PUB-1")["currency"] == "EUR"


def test_iati_fixture_files_need_no_marker_or_gam() -> None:
    for name in ("iati_v203.xml", "iati_v103.xml"):
        result = run(FIXTURES / name)
        missing = result.findings[result.findings["rule"] == "required.missing"]
        assert not missing["column_name"].isin(["gender_marker", "gam_code", "partner"]).any()


def test_uploader_channel_fills_a_missing_collaboration_type(tmp_path: Path) -> None:
    """IATI 1.0x files often omit collaboration-type: when nothing in the file tells the
    channel (here the reporting organisation's type is 90, "other"), the uploader's choice
    fills it."""
    path = tmp_path / "no_channel.xml"
    text = (FIXTURES / "iati_v103.xml").read_text(encoding="utf-8")
    path.write_text(text.replace('type="10"', 'type="90"'), encoding="utf-8")
    assert ("channel.unknown", "channel") in run(path).rules("error")
    chosen = run(path, channel="bilateral")
    assert ("channel.unknown", "channel") not in chosen.rules("error")


# --- how messages name a row -----------------------------------------------------------------


def test_messages_name_rows_as_each_source_numbers_them(
    tmp_path: Path, crs_run: Run, iati_run: Run
) -> None:
    """A desk officer's workbook says "Row 7" (Excel's row), a CRS xlsx extract too; an IATI
    file names the activity by position and iati-identifier."""
    path = write_xlsx(
        tmp_path / "portfolio.xlsx",
        {
            "Bilateral": [
                ["Uganda portfolio 2025"],
                [],
                [
                    "Project ID",
                    "Title",
                    "Description",
                    "Country",
                    "DAC code",
                    "Budget",
                    "Gender marker",
                ],
                ["P-1", "Women mediators", DESCRIPTION, "Uganda", 15220, 1000, None],
                ["P-2", "Women's courts", DESCRIPTION, "Uganda", 15130, "afventer", 1],
            ]
        },
    )
    workbook = run(path)
    assert workbook.errors["message"].tolist() == [
        'Row 5: budget "afventer" is not a number.',  # normalise
        "Row 4: gender marker is empty; it is required for bilateral projects.",  # validate
    ]
    assert workbook.errors["row_number"].tolist() == [5, 4]
    crs = crs_run.findings[crs_run.findings["rule"] == "crs.aggregate_line"]
    assert crs["message"].iloc[0].startswith('Row 6: "Aggregate activities"')
    (home,) = iati_run.errors["message"]
    assert home.startswith('Activity 4 (XX-PUB-4): country "GBR"')


# --- real data --------------------------------------------------------------------------------


def _report(name: str, result: Run) -> str:
    read = result.read
    lines = [
        f"{name}: read {read.rows_read}, merged {read.rows_merged}, skipped {result.skipped}, "
        f"projects {len(result.projects)}, loaded {result.loaded}, rejected {result.rejected}"
    ]
    for (rule, column), n in sorted(result.rules().items(), key=lambda kv: -kv[1]):
        severity = result.findings.loc[result.findings["rule"] == rule, "severity"].iloc[0]
        lines.append(f"  {severity:8} {rule:30} {column:18} {n}")
    return "\n".join(lines)


@pytest.mark.realdata
def test_finland_crs_through_the_pipeline(realdata: Path) -> None:
    path = realdata / "crs" / "Finland-4.xlsx"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    result = run(path)
    print("\n" + _report(path.name, result))
    read = result.read
    assert read.source == "crs" and read.rows_read == 7066
    assert read.rows_read == result.loaded + read.rows_merged + result.rejected + result.skipped
    assert result.rejected < 0.05 * len(result.projects)
    missing = result.findings[result.findings["rule"] == "required.missing"]
    assert not missing["column_name"].isin(["gender_marker", "gam_code"]).any()
    assert "country.not_oda_recipient" not in result.rules()
    humanitarian = result.projects["channel"] == "humanitarian"
    assert humanitarian.sum() > 0
    rejected_rows = set(result.errors["row_number"])
    assert (humanitarian & ~result.projects["row_number"].isin(rejected_rows)).sum() > 0


def _iati_sample(realdata: Path) -> list[Path]:
    """Every tenth file of ../shared/realdata/iati in name order: plain and gzipped, both versions."""
    files = sorted(p for p in (realdata / "iati").rglob("*.xml*") if p.is_file())
    return files[::10]


@pytest.mark.realdata
def test_real_iati_sample_through_the_pipeline(realdata: Path) -> None:
    files = _iati_sample(realdata)
    if not files:
        pytest.skip("no IATI files in ../shared/realdata/iati")
    total, rejected, errors = 0, 0, Counter()
    for path in files:
        try:
            result = run(path)
        except UploadRefused as refused:  # reported, not failed: the reader's call
            print(f"\n{path.name}: refused ({refused.rule})")
            continue
        print("\n" + _report(path.name, result))
        assert result.read.source == "iati"
        missing = result.findings[result.findings["rule"] == "required.missing"]
        assert not missing["column_name"].isin(["gender_marker", "gam_code", "partner"]).any()
        total += len(result.projects)
        rejected += result.rejected
        errors += result.rules("error")
    print(f"\nIATI sample: {len(files)} files, {total} projects, {rejected} rejected")
    for (rule, column), n in errors.most_common():
        print(f"  {rule:30} {column:18} {n}")
    assert total > 0

"""normalise: canonical columns and types, and one test per finding rule it emits.

Findings are compared as compact rows `(row_number, column_name, rule)`, so a failure shows
exactly which finding changed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from screening.normalise import OUTPUT_COLUMNS, PROJECT_COLUMNS, PROJECT_DTYPES, normalise
from screening.rules import FINDING_COLUMNS, ROW_LABEL, rules

VALID = {
    "project_id": "P1",
    "title": "Women mediators",
    "description": "Support to women mediators in local peace committees",
    "recipient_country": "Uganda",
    "sector_code": "15220",
    "budget": "1.000.000",
    "gender_marker": "2",
}


def rows(*records: dict[str, str | None], sheet_channel: str | None = "bilateral") -> pd.DataFrame:
    """ReadResult.rows as `read` gives them: row numbers from 5, text columns as string."""
    frame = pd.DataFrame([{**VALID, **r} for r in records]).astype("string")
    frame.insert(0, "sheet", pd.Series("Bilateral", index=frame.index, dtype="string"))
    frame.insert(1, "row_number", pd.Series(range(5, 5 + len(frame)), dtype="Int64"))
    frame.insert(2, "sheet_channel", pd.Series(sheet_channel, index=frame.index, dtype="string"))
    frame.insert(3, "skip_rule", pd.Series(pd.NA, index=frame.index, dtype="string"))
    frame["extra"] = pd.Series("{}", index=frame.index, dtype="string")
    frame["raw"] = pd.Series("{}", index=frame.index, dtype="string")
    return frame


def compact(findings: pd.DataFrame) -> list[tuple[int, str, str]]:
    return [(int(r.row_number), r.column_name, r.rule) for r in findings.itertuples()]


def test_valid_rows_give_canonical_types_and_no_findings() -> None:
    projects, findings = normalise(rows({}, {"project_id": "P2"}))
    assert compact(findings) == []
    assert list(projects.columns) == OUTPUT_COLUMNS == [*PROJECT_COLUMNS, ROW_LABEL]
    assert projects[PROJECT_COLUMNS].dtypes.astype(str).to_dict() == PROJECT_DTYPES
    assert str(projects[ROW_LABEL].dtype) == "string"
    assert projects[ROW_LABEL].isna().all()  # a workbook row has no label: it reads "Row N"
    first = projects.iloc[0]
    assert first["channel"] == "bilateral"
    assert first["recipient_country"] == "UGA" and first["recipient_name"] == "Uganda"
    assert first["sector_code"] == 15220 and first["budget"] == 1_000_000.0
    assert first["currency"] == "DKK" and first["gender_marker"] == 2
    assert first["description_words"] == 8


def test_findings_frame_has_standard_columns_and_messages() -> None:
    _, findings = normalise(rows({"budget": "lots"}))
    assert list(findings.columns) == FINDING_COLUMNS
    finding = findings.iloc[0]
    assert finding["value"] == "lots" and finding["severity"] == "error"
    assert "Row 5" in finding["message"] and "lots" in finding["message"]


def test_index_and_order_are_kept() -> None:
    frame = rows({"project_id": "A"}, {"project_id": "B"}, {"project_id": "C"})
    frame.index = [30, 10, 20]
    projects, _ = normalise(frame)
    assert list(projects.index) == [30, 10, 20]
    assert projects["project_id"].tolist() == ["A", "B", "C"]


def test_text_is_trimmed_blanked_and_otherwise_kept_exactly() -> None:
    projects, _ = normalise(
        rows(
            {
                "project_id": "\xa0P-7 ",
                "title": "=SUM(A1:A3)",
                "objectives": "N/A",
                "partner": " UN Women ",
            }
        )
    )
    first = projects.iloc[0]
    assert first["project_id"] == "P-7" and first["title"] == "=SUM(A1:A3)"
    assert pd.isna(first["objectives"]) and first["partner"] == "UN Women"


def test_missing_optional_columns_are_added_as_na() -> None:
    frame = rows({}).drop(columns=["gender_marker", "extra"])
    projects, findings = normalise(frame)
    assert compact(findings) == []
    for column in ("objectives", "cluster", "status", "start_date", "gam_code", "extra"):
        assert projects[column].isna().all()


def test_empty_input() -> None:
    projects, findings = normalise(rows({}).iloc[0:0])
    assert projects.empty and findings.empty
    assert list(projects.columns) == OUTPUT_COLUMNS


# --------------------------------------------------------------------------- channel


def test_channel_precedence_column_then_sheet_then_argument() -> None:
    frame = rows({"channel": "Humanitær"}, {"channel": None}, {"channel": None})
    frame.loc[2, "sheet_channel"] = pd.NA
    projects, findings = normalise(frame, channel="multilateral")
    assert projects["channel"].tolist() == ["humanitarian", "bilateral", "multilateral"]
    assert compact(findings) == []


def test_unknown_channel_value() -> None:
    projects, findings = normalise(rows({"channel": "regional"}))
    assert compact(findings) == [(5, "channel", "channel.unknown")]
    assert findings.iloc[0]["value"] == "regional"
    assert pd.isna(projects.iloc[0]["channel"])


def test_no_channel_from_anywhere() -> None:
    projects, findings = normalise(rows({}, sheet_channel=None))
    assert compact(findings) == [(5, "channel", "channel.unknown")]
    assert findings.iloc[0]["value"] == ""


def test_uploader_channel_must_be_a_channel() -> None:
    projects, _ = normalise(rows({}, sheet_channel=None), channel="Humanitær")
    assert projects.iloc[0]["channel"] == "humanitarian"
    with pytest.raises(ValueError, match="not bilateral"):
        normalise(rows({}), channel="regional")


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("Etiopien", "ETH", "Ethiopia"),
        ("uga", "UGA", "Uganda"),
        ("KE", "KEN", "Kenya"),
        ("Côte d’Ivoire", "CIV", "Côte d'Ivoire"),
        ("Afrika, regionalt", "R298", "Africa, regional"),
        ("Kosovo", "XKX", "Kosovo"),
        ("OPT", "PSE", "West Bank and Gaza Strip"),
    ],
)
def test_country_is_stored_as_alpha3_or_region(text: str, code: str, name: str) -> None:
    projects, findings = normalise(rows({"recipient_country": text}))
    assert compact(findings) == []
    first = projects.iloc[0]
    assert (first["recipient_country"], first["recipient_name"]) == (code, name)


def test_unknown_country() -> None:
    projects, findings = normalise(rows({"recipient_country": "Narnia"}))
    assert compact(findings) == [(5, "recipient_country", "country.unknown")]
    assert pd.isna(projects.iloc[0]["recipient_country"])


@pytest.mark.parametrize("text", ["Denmark", "Danmark", "NOR", "Norge"])
def test_country_not_an_oda_recipient(text: str) -> None:
    projects, findings = normalise(rows({"recipient_country": text}))
    assert compact(findings) == [(5, "recipient_country", "country.not_oda_recipient")]
    assert findings.iloc[0]["value"] == text
    assert pd.isna(projects.iloc[0]["recipient_country"])


# --------------------------------------------------------------------------- purpose codes


@pytest.mark.parametrize("text", ["15170", "15170.0", "15170 - Women's rights organisations"])
def test_sector_code_forms(text: str) -> None:
    projects, findings = normalise(rows({"sector_code": text}))
    assert compact(findings) == []
    assert projects.iloc[0]["sector_code"] == 15170


@pytest.mark.parametrize("text", ["99999", "151", "gender"])
def test_unknown_purpose_code(text: str) -> None:
    projects, findings = normalise(rows({"sector_code": text}))
    assert compact(findings) == [(5, "sector_code", "purpose_code.unknown")]
    assert pd.isna(projects.iloc[0]["sector_code"])


def test_withdrawn_purpose_code_is_kept_with_a_warning() -> None:
    projects, findings = normalise(rows({"sector_code": "15164"}, {"sector_code": "41050"}))
    assert compact(findings) == [
        (5, "sector_code", "purpose_code.withdrawn"),
        (6, "sector_code", "purpose_code.withdrawn"),
    ]
    assert set(findings["severity"]) == {"warning"}
    assert projects["sector_code"].tolist() == [15164, 41050]
    assert "withdrawn on 2017-12-31" in findings.iloc[1]["message"]
    assert "withdrawn on" not in findings.iloc[0]["message"]


# --------------------------------------------------------------------------- money


def test_budget_not_a_number() -> None:
    projects, findings = normalise(rows({"budget": "12 stk"}, {"budget": "afventer"}))
    assert compact(findings) == [(5, "budget", "number.invalid"), (6, "budget", "number.invalid")]
    assert projects["budget"].isna().all()


def test_negative_budget_is_parsed_not_judged() -> None:
    projects, findings = normalise(rows({"budget": "(1.000)"}))
    assert compact(findings) == []
    assert projects.iloc[0]["budget"] == -1000.0


def test_currency_from_column_then_amount_then_default() -> None:
    projects, findings = normalise(
        rows(
            {"budget": "USD 1.2 million", "currency": None},
            {"budget": "500", "currency": "EUR"},
            {"budget": "EUR 500", "currency": "kr."},
            {"budget": "500"},
        )
    )
    assert compact(findings) == []
    assert projects["currency"].tolist() == ["USD", "EUR", "DKK", "DKK"]
    assert projects["budget"].tolist() == [1_200_000.0, 500.0, 500.0, 500.0]


def test_unknown_currency() -> None:
    projects, findings = normalise(rows({"currency": "Danish crowns"}))
    assert compact(findings) == [(5, "currency", "currency.unknown")]
    assert pd.isna(projects.iloc[0]["currency"])


# --------------------------------------------------------------------------- dates, markers, status


def test_dates() -> None:
    projects, findings = normalise(
        rows(
            {"start_date": "marts 2024", "end_date": "45657"},
            {"start_date": "afventer", "end_date": "32-13-2024"},
        )
    )
    assert compact(findings) == [(6, "start_date", "date.invalid"), (6, "end_date", "date.invalid")]
    assert projects.iloc[0]["start_date"] == pd.Timestamp("2024-03-01")
    assert projects.iloc[0]["end_date"] == pd.Timestamp("2024-12-31")


def test_end_before_start_is_left_to_validate() -> None:
    _, findings = normalise(rows({"start_date": "2025", "end_date": "2020"}))
    assert compact(findings) == []


def test_gender_marker() -> None:
    projects, findings = normalise(rows({"gender_marker": "Hovedformål"}, {"gender_marker": "3"}))
    assert compact(findings) == [(6, "gender_marker", "gender_marker.invalid")]
    assert projects["gender_marker"].tolist() == [2, pd.NA]


def test_gam_code() -> None:
    projects, findings = normalise(
        rows(
            {"gam_code": "4 - Likely to contribute to gender equality"},
            {"gam_code": "7"},
            sheet_channel="humanitarian",
        )
    )
    assert compact(findings) == [(6, "gam_code", "gam_code.invalid")]
    assert projects["gam_code"].tolist() == [4, pd.NA]


def test_status() -> None:
    projects, findings = normalise(rows({"status": "Igangværende"}, {"status": "on hold"}))
    assert compact(findings) == [(6, "status", "status.unknown")]
    assert findings.iloc[0]["severity"] == "warning"
    assert projects["status"].tolist() == ["ongoing", pd.NA]


def test_required_and_duplicates_are_left_to_validate() -> None:
    _, findings = normalise(
        rows({"project_id": "P1", "title": None, "description": "-"}, {"project_id": "P1"})
    )
    assert compact(findings) == []


def test_description_words() -> None:
    projects, _ = normalise(rows({"description": "one  two\nthree"}, {"description": "N/A"}))
    assert projects["description_words"].tolist() == [3, pd.NA]


def test_findings_come_in_row_order() -> None:
    _, findings = normalise(
        rows(
            {"budget": "x", "recipient_country": "Narnia"},
            {"status": "on hold"},
            {"sector_code": "99999", "gender_marker": "9"},
        )
    )
    assert compact(findings) == [
        (5, "recipient_country", "country.unknown"),
        (5, "budget", "number.invalid"),
        (6, "status", "status.unknown"),
        (7, "sector_code", "purpose_code.unknown"),
        (7, "gender_marker", "gender_marker.invalid"),
    ]


def test_every_rule_used_is_in_the_catalogue() -> None:
    emitted = {
        "channel.unknown",
        "country.unknown",
        "country.not_oda_recipient",
        "country.former_oda_recipient",
        "purpose_code.unknown",
        "purpose_code.withdrawn",
        "number.invalid",
        "currency.unknown",
        "date.invalid",
        "gender_marker.invalid",
        "gam_code.invalid",
        "status.unknown",
    }
    assert emitted <= set(rules())


def test_many_rows() -> None:
    """A sanity run on 20,000 rows (timing is for bench/, never asserted)."""
    frame = rows(*([{}, {"budget": "x"}, {"recipient_country": "Etiopien"}] * 6667)[:20000])
    projects, findings = normalise(frame)
    assert len(projects) == 20000
    assert (findings["rule"] == "number.invalid").sum() == 6667


# --- published data (CRS extracts, IATI files) ------------------------------------------------


def published(source: str, *records: dict, aggregate: list[bool] | None = None) -> pd.DataFrame:
    """Rows as `read_upload` gives them for a published source: `source` and `is_aggregate`."""
    frame = rows(*records, sheet_channel=None)
    frame.insert(frame.columns.get_loc("extra"), "source", source)
    frame["source"] = frame["source"].astype("string")
    flags = aggregate or [False] * len(frame)
    frame.insert(frame.columns.get_loc("extra"), "is_aggregate", pd.array(flags, dtype="boolean"))
    frame["channel"] = pd.Series("bilateral", index=frame.index, dtype="string")
    return frame


def test_source_and_aggregate_pass_through_before_extra() -> None:
    projects, findings = normalise(
        published("crs", {}, {"project_id": "P2"}, aggregate=[False, True])
    )
    assert compact(findings) == []
    assert PROJECT_COLUMNS[-4:] == ["source", "is_aggregate", "extra", "raw"]
    assert projects[PROJECT_COLUMNS].dtypes.astype(str).to_dict() == PROJECT_DTYPES
    assert list(projects["source"]) == ["crs", "crs"]
    assert list(projects["is_aggregate"]) == [False, True]


def test_workbook_rows_default_to_workbook_source() -> None:
    projects, _ = normalise(rows({}))
    assert projects.iloc[0]["source"] == "workbook"
    assert projects["is_aggregate"].tolist() == [False]


def test_channel_column_of_a_source_is_kept() -> None:
    frame = published("iati", {}, {"project_id": "P2"})
    frame["channel"] = pd.array(["humanitarian", "multilateral"], dtype="string")
    projects, findings = normalise(frame, channel="bilateral")
    assert compact(findings) == []
    assert list(projects["channel"]) == ["humanitarian", "multilateral"]


@pytest.mark.parametrize("source", ["crs", "iati"])
@pytest.mark.parametrize("text", ["Chile", "CHL", "Croatia", "URY"])
def test_former_oda_recipient_in_published_data_is_a_warning(source: str, text: str) -> None:
    projects, findings = normalise(published(source, {"recipient_country": text}))
    assert compact(findings) == [(5, "recipient_country", "country.former_oda_recipient")]
    assert set(findings["severity"]) == {"warning"}
    assert projects.iloc[0]["recipient_country"] in {"CHL", "HRV", "URY"}
    assert pd.notna(projects.iloc[0]["recipient_name"])


def test_former_oda_recipient_in_a_workbook_stays_an_error() -> None:
    projects, findings = normalise(rows({"recipient_country": "Chile"}))
    assert compact(findings) == [(5, "recipient_country", "country.not_oda_recipient")]
    assert pd.isna(projects.iloc[0]["recipient_country"])


def test_never_a_recipient_is_an_error_in_iati_but_not_in_crs() -> None:
    """The DAC takes CRS lines only for recipients on the list of their year; an IATI
    publisher may report an activity at home, which is no ODA."""
    iati, found = normalise(published("iati", {"recipient_country": "GBR"}))
    assert compact(found) == [(5, "recipient_country", "country.not_oda_recipient")]
    assert pd.isna(iati.iloc[0]["recipient_country"])
    crs, found = normalise(published("crs", {"recipient_country": "Cyprus"}))
    assert compact(found) == [(5, "recipient_country", "country.former_oda_recipient")]
    assert crs.iloc[0]["recipient_country"] == "CYP"


@pytest.mark.parametrize(("text", "code"), [("798", "R798"), ("998", "R998"), ("R57", "XKX")])
def test_crs_recipient_codes_in_published_data(text: str, code: str) -> None:
    projects, findings = normalise(published("iati", {"recipient_country": text}))
    assert compact(findings) == []
    assert projects.iloc[0]["recipient_country"] == code


def test_crs_recipient_codes_are_not_read_in_workbooks() -> None:
    _, findings = normalise(rows({"recipient_country": "798"}))
    assert compact(findings) == [(5, "recipient_country", "country.unknown")]


def test_published_budget_without_currency_gets_no_default() -> None:
    projects, _ = normalise(published("iati", {}, {"currency": "EUR"}))
    assert pd.isna(projects.iloc[0]["currency"]) and projects.iloc[1]["currency"] == "EUR"
    workbook, _ = normalise(rows({}))
    assert workbook.iloc[0]["currency"] == "DKK"


def test_findings_name_the_row_by_its_label_else_as_a_worksheet_row() -> None:
    """A reader's row label (an IATI activity, a CRS CSV line) names the row in messages and
    passes on to the projects, for validate's messages; a row without one reads "Row N"."""
    frame = rows({"budget": "lots"}, {"budget": "lots"})
    frame.insert(4, ROW_LABEL, pd.array(["Activity 1 (XX-1)", pd.NA], dtype="string"))
    projects, findings = normalise(frame)
    assert projects[ROW_LABEL].tolist()[0] == "Activity 1 (XX-1)"
    assert pd.isna(projects[ROW_LABEL].iloc[1])
    assert findings["row_number"].tolist() == [5, 6]  # the number stays a number
    assert [m.split(":")[0] for m in findings["message"]] == ["Activity 1 (XX-1)", "Row 6"]

"""The IATI reader: both versions, languages, shares, vocabularies, markers, money, safety.

Fixtures are invented activities written for these tests (tests/fixtures/sources/); the real
files in ../shared/realdata/iati are read in place by the `realdata` tests at the end.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from screening import config
from screening.errors import UploadRefused
from screening.readers import read_upload
from screening.readers.iati import looks_like_iati, read_iati

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
V2 = FIXTURES / "iati_v203.xml"
V1 = FIXTURES / "iati_v103.xml"


@pytest.fixture(scope="module")
def v2():
    return read_iati(V2).rows.set_index("project_id", drop=False)


@pytest.fixture(scope="module")
def v1():
    return read_iati(V1).rows.set_index("project_id", drop=False)


def extra(row) -> dict:
    return json.loads(row["extra"])


def test_one_row_per_activity_numbered_in_file_order(v2):
    assert list(v2["row_number"]) == [1, 2, 3, 4]
    assert set(v2["sheet"]) == {"iati_v203.xml"}
    assert v2["skip_rule"].isna().all()


def test_frame_has_read_stage_columns(v2):
    assert list(v2.columns[:5]) == [
        "sheet",
        "row_number",
        "sheet_channel",
        "skip_rule",
        "row_label",
    ]
    assert v2.loc["XX-TEST-0001", "row_label"] == "Activity 1 (XX-TEST-0001)"
    assert list(v2.columns[-3:]) == ["is_aggregate", "extra", "raw"]
    assert str(v2["title"].dtype).startswith("string")
    assert str(v2["row_number"].dtype) == "Int64"


def test_v2_narratives_prefer_english(v2):
    row = v2.loc["XX-TEST-0001"]
    assert row["title"] == "Women, peace and security in Kenya and Uganda"
    assert row["description"] == "Support to women's organisations mediating local conflicts."
    # objectives (type 2) and target groups (type 3) go to objectives, not the description
    assert row["objectives"] == (
        "Women take part in peace committees.\n\nWomen survivors of conflict-related violence."
    )
    assert extra(row)["reporting_org"] == "Test Ministry"


def test_without_english_the_default_language_then_the_first(v2):
    assert v2.loc["XX-TEST-0002", "title"] == "Réponse d'urgence au Sahel"  # default fr
    assert v2.loc["XX-TEST-0003", "title"] == "Mujeres mediadoras"  # default de absent: first


def test_without_general_description_the_others_are_the_description(v2):
    row = v2.loc["XX-TEST-0003"]
    assert row["description"] == "Mujeres en procesos de paz."
    assert pd.isna(row["objectives"])


def test_v1_text_in_elements_and_language_variants(v1):
    row = v1.loc["XX-OLD-101"]
    assert row["title"] == "Women and peace in the Great Lakes"  # en over fr, wrap undone
    assert row["description"] == "Training women mediators in Burundi."
    assert row["objectives"] == "Fewer local conflicts."
    assert row["partner"] == "Great Lakes Women"  # role="Implementing"
    assert v1.loc["XX-OLD-102", "partner"] == "Africa Women Fund"  # role="implementing"


def test_largest_recipient_share_wins_and_all_are_kept(v2, v1):
    row = v2.loc["XX-TEST-0001"]
    assert row["recipient_country"] == "UGA"
    assert [c["code"] for c in extra(row)["recipient_countries"]] == ["KE", "UG"]
    assert v1.loc["XX-OLD-101", "recipient_country"] == "BDI"
    assert v2.loc["XX-TEST-0003", "recipient_country"] == "COL"  # no percentage given


def test_region_when_no_country(v2, v1):
    assert v2.loc["XX-TEST-0002", "recipient_country"] == "R289"
    assert v1.loc["XX-OLD-102", "recipient_country"] == "R298"


def test_sector_vocabularies(v2, v1):
    assert v2.loc["XX-TEST-0001", "sector_code"] == "15220"  # 60% beats 40%
    kinds = {s["code"]: s["kind"] for s in extra(v2.loc["XX-TEST-0001"])["sectors"]}
    assert kinds == {"15170": "dac5", "15220": "dac5", "152": "dac3"}
    assert pd.isna(v2.loc["XX-TEST-0003", "sector_code"])  # only DAC-3 and vocabulary 99
    assert v2.loc["XX-TEST-0004", "sector_code"] == "15170"  # vocabulary absent = DAC
    assert v1.loc["XX-OLD-101", "sector_code"] == "15220"  # vocabulary="DAC"; DAC-3 not used
    assert v2.loc["XX-TEST-0002", "cluster"] == "Protection"  # vocabulary 10


def test_policy_markers(v2, v1):
    assert v2.loc["XX-TEST-0001", "gender_marker"] == "2"
    # significance 3 passes through, so normalise rejects it (gender_marker.invalid)
    assert v2.loc["XX-TEST-0002", "gender_marker"] == "3"
    assert pd.isna(v2.loc["XX-TEST-0003", "gender_marker"])  # vocabulary 99 is not DAC
    assert pd.isna(v2.loc["XX-TEST-0004", "gender_marker"])  # no significance: blank
    assert v1.loc["XX-OLD-101", "gender_marker"] == "1"  # vocabulary="DAC"
    assert v1.loc["XX-OLD-102", "gender_marker"] == "2"  # vocabulary absent


def test_channels(v2, v1):
    assert v2.loc["XX-TEST-0001", "channel"] == "bilateral"  # collaboration-type 1
    assert v2.loc["XX-TEST-0002", "channel"] == "humanitarian"  # humanitarian="1" beats 2
    assert v2.loc["XX-TEST-0003", "channel"] == "humanitarian"  # humanitarian-scope
    assert v2.loc["XX-TEST-0004", "channel"] == "bilateral"  # 3: core support to NGOs
    assert v1.loc["XX-OLD-101", "channel"] == "bilateral"


def test_humanitarian_purpose_code_alone(tmp_path):
    text = V2.read_text(encoding="utf-8").replace(
        'code="15170"/>\n    <collaboration-type code="3"/>',
        'code="72010"/>\n    <collaboration-type code="3"/>',
    )
    path = tmp_path / "h.xml"
    path.write_text(text, encoding="utf-8")
    rows = read_iati(path).rows.set_index("project_id")
    assert rows.loc["XX-TEST-0004", "channel"] == "humanitarian"


def test_budgets_commitments_and_currency(v2, v1):
    row = v2.loc["XX-TEST-0001"]
    assert (row["budget"], row["currency"]) == ("250000.50", "EUR")  # originals; default currency
    assert extra(row)["budget_basis"] == "budget-original"
    row = v2.loc["XX-TEST-0002"]
    assert (row["budget"], row["currency"]) == ("7500.25", "USD")  # commitments (type 2) only
    assert (v1.loc["XX-OLD-101", "budget"], v1.loc["XX-OLD-101", "currency"]) == ("30000", "GBP")
    assert v1.loc["XX-OLD-102", "budget"] == "40000"  # 1.0x type="Original", not Revised
    assert v2.loc["XX-TEST-0004", "currency"] == "NOK"


def test_mixed_currencies_are_not_summed(v2):
    row = v2.loc["XX-TEST-0003"]
    assert row["budget"] == "1000 EUR + 500 USD"  # normalise rejects: number.invalid
    assert extra(row)["budget_totals"] == {"EUR": 1000.0, "USD": 500.0}


def test_dates_and_status(v2, v1):
    row = v2.loc["XX-TEST-0001"]
    assert (row["start_date"], row["end_date"], row["status"]) == (
        "2021-03-15",
        "2024-12-31",
        "ongoing",
    )
    row = v1.loc["XX-OLD-101"]
    assert (row["start_date"], row["end_date"], row["status"]) == (
        "2010-01-01",
        "2013-03-31",
        "completed",
    )


# --- fallbacks for what a publisher left out (channel, budget, sector, recipient) ------------

# Invented activities, each missing something the pipeline requires, in 2.03 and 1.03 layout.
GAPS = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity default-currency="EUR">
    <iati-identifier>GAP-CORE</iati-identifier>
    <reporting-org ref="GAP" type="10"><narrative>Gap Ministry</narrative></reporting-org>
    <title><narrative>Core contribution to a UN fund for women</narrative></title>
    <recipient-country code="ML"/>
    <sector vocabulary="1" code="15170"/>
    <default-aid-type code="B02"/>
    <budget><value>500</value></budget>
  </iati-activity>
  <iati-activity default-currency="EUR">
    <iati-identifier>GAP-TX-AID</iati-identifier>
    <reporting-org ref="GAP" type="40"><narrative>Gap Fund</narrative></reporting-org>
    <title><narrative>Grants to women's organisations</narrative></title>
    <transaction><transaction-type code="2"/><value>100</value><aid-type code="C01"/></transaction>
    <transaction><transaction-type code="2"/><value>900</value><aid-type code="B01"/></transaction>
    <transaction>
      <transaction-type code="3"/><value>50</value>
      <sector vocabulary="1" code="15180"/><recipient-country code="KE"/>
    </transaction>
    <transaction>
      <transaction-type code="3"/><value>70</value>
      <sector vocabulary="1" code="15170"/><recipient-country code="UG"/>
    </transaction>
  </iati-activity>
  <iati-activity default-currency="SEK">
    <iati-identifier>GAP-MULTI</iati-identifier>
    <reporting-org ref="GAP-UN" type="40"><narrative>Gap Agency</narrative></reporting-org>
    <title><narrative>Women mediators</narrative></title>
    <recipient-country code="CO"/>
    <sector vocabulary="1" code="15220"/>
    <default-aid-type code="C01"/>
    <transaction><transaction-type code="3"/><value>1000</value></transaction>
    <transaction><transaction-type code="4"/><value>250.5</value></transaction>
    <transaction><transaction-type code="1"/><value>99999</value></transaction>
  </iati-activity>
  <iati-activity default-currency="EUR">
    <iati-identifier>GAP-MIXED</iati-identifier>
    <reporting-org ref="GAP" type="90"><narrative>Gap Other</narrative></reporting-org>
    <title><narrative>Spending in two currencies</narrative></title>
    <recipient-country code="CO"/>
    <sector vocabulary="2" code="151"/>
    <collaboration-type code="99"/>
    <transaction><transaction-type code="3"/><value>1000</value></transaction>
    <transaction><transaction-type code="4"/><value currency="USD">500</value></transaction>
  </iati-activity>
  <iati-activity default-currency="EUR" humanitarian="1">
    <iati-identifier>GAP-HUM</iati-identifier>
    <reporting-org ref="GAP" type="21"><narrative>Gap NGO</narrative></reporting-org>
    <title><narrative>Shelter for displaced women</narrative></title>
    <default-aid-type code="B02"/>
  </iati-activity>
  <iati-activity default-currency="EUR">
    <iati-identifier>GAP-NGO</iati-identifier>
    <reporting-org ref="GAP" type="22"><narrative>Gap NGO</narrative></reporting-org>
    <title><narrative>Women's shelters</narrative></title>
    <collaboration-type code="9"/>
    <budget><value>10</value></budget>
    <transaction><transaction-type code="3"/><value>999</value></transaction>
  </iati-activity>
</iati-activities>
"""

GAPS_V1 = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="1.03">
  <iati-activity default-currency="GBP">
    <iati-identifier>GAP-OLD</iati-identifier>
    <reporting-org ref="GAP" type="21">Gap Charity</reporting-org>
    <title>Women's groups</title>
    <transaction><transaction-type code="D"/><value>300</value></transaction>
    <transaction><transaction-type code="E"/><value>200</value></transaction>
    <transaction><transaction-type code="IR"/><value>7</value></transaction>
  </iati-activity>
</iati-activities>
"""


@pytest.fixture(scope="module")
def gaps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gaps")
    frames = []
    for name, text in (("gaps.xml", GAPS), ("gaps_v1.xml", GAPS_V1)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        frames.append(read_iati(path).rows)
    return pd.concat(frames).set_index("project_id", drop=False)


def test_channel_without_collaboration_type(gaps):
    def channel(pid):
        return gaps.loc[pid, "channel"], extra(gaps.loc[pid]).get("channel_basis")

    # B02 core contribution to a multilateral, reported by a government
    assert channel("GAP-CORE") == ("multilateral", "default-aid-type B02")
    # no default: the transaction aid type with the most money (B01 900 over C01 100)
    assert channel("GAP-TX-AID") == ("bilateral", "transaction aid-type B01")
    # C01 says nothing about the channel: the reporting organisation's type (40 multilateral)
    assert channel("GAP-MULTI") == ("multilateral", "reporting-org type 40")
    assert channel("GAP-OLD") == ("bilateral", "reporting-org type 21")  # 1.0x, NGO
    # an unknown collaboration type falls back too, and says so
    assert channel("GAP-NGO") == (
        "bilateral",
        "reporting-org type 22 (collaboration-type 9 unknown)",
    )
    # organisation type 90 (other) decides nothing: no channel, normalise rejects the row
    assert pd.isna(gaps.loc["GAP-MIXED", "channel"])
    assert "channel_basis" not in extra(gaps.loc["GAP-MIXED"])
    # the humanitarian flag beats any aid type
    assert channel("GAP-HUM") == ("humanitarian", "humanitarian flag")


def test_channel_basis_of_collaboration_type(v2):
    assert extra(v2.loc["XX-TEST-0001"])["channel_basis"] == "collaboration-type 1"
    assert extra(v2.loc["XX-TEST-0002"])["channel_basis"] == "humanitarian flag"


def test_budget_from_disbursements_and_expenditure(gaps):
    row = gaps.loc["GAP-MULTI"]
    # disbursements 1000 + expenditure 250.5; incoming funds (type 1) are not spending
    assert (row["budget"], row["currency"]) == ("1250.50", "SEK")
    assert extra(row)["budget_basis"] == "disbursements"
    row = gaps.loc["GAP-OLD"]  # 1.0x D + E; IR (interest repayment) is not spending
    assert (row["budget"], row["currency"]) == ("500", "GBP")
    assert extra(row)["budget_basis"] == "disbursements"
    # commitments come first; a budget before both
    assert extra(gaps.loc["GAP-TX-AID"])["budget_basis"] == "commitments"
    assert gaps.loc["GAP-TX-AID", "budget"] == "1000"
    assert (gaps.loc["GAP-NGO", "budget"], extra(gaps.loc["GAP-NGO"])["budget_basis"]) == (
        "10",
        "budget-original",
    )


def test_disbursements_in_two_currencies_are_not_summed(gaps):
    row = gaps.loc["GAP-MIXED"]
    assert row["budget"] == "1000 EUR + 500 USD"  # normalise rejects: number.invalid
    assert pd.isna(row["currency"])
    assert extra(row)["budget_totals"] == {"EUR": 1000.0, "USD": 500.0}


def test_sector_and_recipient_from_transactions(gaps):
    row = gaps.loc["GAP-TX-AID"]  # none on the activity: the transaction with most money
    assert (row["sector_code"], row["recipient_country"]) == ("15170", "UGA")
    # an activity-level sector or country wins over transactions
    assert (gaps.loc["GAP-CORE", "sector_code"], gaps.loc["GAP-CORE", "recipient_country"]) == (
        "15170",
        "MLI",
    )
    # DAC-3 categories only: no purpose code, left missing (validate: required.missing)
    assert pd.isna(gaps.loc["GAP-MIXED", "sector_code"])


def test_fallbacks_pass_normalise(gaps):
    from screening.normalise import normalise

    projects, findings = normalise(gaps.reset_index(drop=True).assign(source="iati"))
    projects = projects.set_index("project_id")
    assert projects.loc["GAP-MULTI", "channel"] == "multilateral"
    assert projects.loc["GAP-MULTI", "budget"] == 1250.5
    errors = findings[findings["severity"] == "error"]
    mixed = errors[errors["row_number"] == 4]  # GAP-MIXED: no channel, budget not a number
    assert set(mixed["column_name"]) >= {"channel", "budget"}


LABELLED = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity default-currency="EUR">
    <iati-identifier>XM-DAC-41114-PROJECT-00011</iati-identifier>
    <title><narrative>Women in peace talks</narrative></title>
    <description><narrative>Support to women negotiators.</narrative></description>
    <recipient-country code="CO"/>
    <sector vocabulary="1" code="15220"/>
    <collaboration-type code="1"/>
    <budget type="1"><value>1000</value></budget>
  </iati-activity>
  <iati-activity default-currency="EUR">
    <iati-identifier>XM-DAC-41114-PROJECT-00012</iati-identifier>
    <title><narrative>Women's shelters</narrative></title>
    <description><narrative>Shelters for women.</narrative></description>
    <recipient-country code="KE"/>
    <sector vocabulary="1" code="15180"/>
    <collaboration-type code="1"/>
    <policy-marker vocabulary="1" code="1" significance="3"/>
  </iati-activity>
  <iati-activity default-currency="GBP">
    <title><narrative>Refugee women's groups at home</narrative></title>
    <description><narrative>Groups in London.</narrative></description>
    <recipient-country code="GB"/>
    <sector vocabulary="1" code="15170"/>
    <collaboration-type code="1"/>
    <budget type="1"><value>300</value></budget>
  </iati-activity>
</iati-activities>
"""


def test_messages_name_an_activity_by_position_and_identifier(tmp_path):
    """A desk officer finds an activity by its iati-identifier, not by a row number: every
    message, from normalise and from validate, names it "Activity N (identifier)", or
    "Activity N" when it has none; the stored row_number stays the position."""
    from screening.normalise import normalise
    from screening.validate import validate

    path = tmp_path / "labelled.xml"
    path.write_text(LABELLED, encoding="utf-8")
    result = read_upload(path)
    assert result.rows["row_label"].tolist() == [
        "Activity 1 (XM-DAC-41114-PROJECT-00011)",
        "Activity 2 (XM-DAC-41114-PROJECT-00012)",
        "Activity 3",
    ]
    projects, normalised = normalise(result.rows)
    findings = pd.concat([normalised, validate(projects, normalised)], ignore_index=True)
    errors = findings[findings["severity"] == "error"]
    by_rule = {(r.rule, r.column_name): r for r in errors.itertuples()}
    marker = by_rule["gender_marker.invalid", "gender_marker"]  # from normalise
    assert marker.row_number == 2
    assert marker.message.startswith("Activity 2 (XM-DAC-41114-PROJECT-00012): gender marker")
    budget = by_rule["required.missing", "budget"]  # from validate
    assert budget.row_number == 2
    assert budget.message == (
        "Activity 2 (XM-DAC-41114-PROJECT-00012): budget is empty; "
        "it is required for bilateral projects."
    )
    home = by_rule["country.not_oda_recipient", "recipient_country"]
    assert home.row_number == 3 and home.message.startswith("Activity 3: country")
    unnamed = by_rule["required.missing", "project_id"]
    assert unnamed.message.startswith("Activity 3: project ID is empty")
    assert str(findings["row_number"].dtype) == "Int64"
    assert not findings["message"].str.startswith("Row").any()


def test_gzip_reads_like_plain(tmp_path):
    packed = tmp_path / "activities.xml.gz"
    packed.write_bytes(gzip.compress(V2.read_bytes()))
    disguised = tmp_path / "activities.xml"  # gzip detected by magic bytes, not the name
    shutil.copy(packed, disguised)
    plain = read_iati(V2, file_name="same").rows
    for path in (packed, disguised):
        assert looks_like_iati(path)
        result = read_iati(path, file_name="same")
        assert result.rows.equals(plain)
        assert result.details["gzipped"]


def test_api_wrapper_root_is_accepted(tmp_path):
    body = V1.read_text(encoding="utf-8").split("?>", 1)[1]
    path = tmp_path / "api.xml"
    path.write_text(f"<result><ok>True</ok>{body}</result>", encoding="utf-8")
    assert looks_like_iati(path)
    assert list(read_iati(path).rows["project_id"]) == ["XX-OLD-101", "XX-OLD-102"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03"><iati-activity><iati-identifier>X</iati-identifier>
<title><narrative>&lol9;</narrative></title></iati-activity></iati-activities>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity><iati-identifier>&xxe;</iati-identifier>
</iati-activity></iati-activities>
"""


@pytest.mark.timeout(60)  # expanded, the billion laughs would not end: a hang guard, not a timing
@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion_laughs", "xxe"])
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_entity_tricks_are_refused_unexpanded(tmp_path, text, packed):
    path = tmp_path / "bomb.xml"
    data = text.encode()
    path.write_bytes(gzip.compress(data) if packed else data)
    assert looks_like_iati(path)  # so the upload reaches the reader and is refused with why
    with pytest.raises(UploadRefused) as refused:
        read_iati(path)
    assert refused.value.rule == "upload.xml_unsafe"
    assert "DTD" in str(refused.value)


def test_gzip_bomb_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_UNZIPPED_BYTES", 100_000)
    filler = "<!-- " + "x" * 1_000_000 + " -->"
    path = tmp_path / "big.xml.gz"
    path.write_bytes(
        gzip.compress(f'<iati-activities version="2.03">{filler}</iati-activities>'.encode())
    )
    with pytest.raises(UploadRefused) as refused:
        read_iati(path)
    assert refused.value.rule == "upload.unzipped_too_large"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            '<?xml version="1.0"?>\n<iati-organisations version="2.03">'
            "<iati-organisation/></iati-organisations>",
            "iati-organisations",
        ),
        ("<rss><channel><title>news</title></channel></rss>", "rss"),
        ("<result><ok>True</ok></result>", "result"),
    ],
)
def test_other_xml_is_refused(tmp_path, text, detail):
    path = tmp_path / "other.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UploadRefused) as refused:
        read_iati(path)
    assert refused.value.rule == "upload.not_iati"
    assert f"<{detail}>" in str(refused.value)


@pytest.mark.parametrize(
    "content", [b"project,title\n1,x\n", b"PK\x03\x04junk", b"", b"\x1f\x8bnot gzip"]
)
def test_sniff_says_no_to_non_iati(tmp_path, content):
    path = tmp_path / "f.xml"
    path.write_bytes(content)
    assert not looks_like_iati(path)


def test_broken_xml_is_unreadable(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text('<iati-activities version="2.03"><iati-activity><title>', encoding="utf-8")
    with pytest.raises(UploadRefused) as refused:
        read_iati(path)
    assert refused.value.rule == "upload.unreadable"


def test_file_without_activities_is_refused(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text('<iati-activities version="2.03"></iati-activities>', encoding="utf-8")
    with pytest.raises(UploadRefused) as refused:
        read_iati(path)
    assert refused.value.rule == "upload.no_rows"


def test_read_upload_dispatches_iati():
    result = read_upload(V2)
    assert result.source == "iati" and result.rows_read == 4


@pytest.mark.slow
def test_hundred_megabyte_file_streams(tmp_path):
    """~100 MB of activities stream through (peak memory is measured in eval/, not here)."""
    text = V2.read_text(encoding="utf-8")
    head, rest = text.split("<iati-activity ", 1)
    body = "<iati-activity " + rest.rsplit("</iati-activities>", 1)[0]
    copies = 100 * 1024 * 1024 // len(body.encode()) + 1
    path = tmp_path / "big.xml"
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        for _ in range(copies):
            f.write(body)
        f.write("</iati-activities>\n")
    assert path.stat().st_size >= 100 * 1024 * 1024
    result = read_iati(path)
    assert len(result.rows) == 4 * copies


# --- the real files, in place ----------------------------------------------------------------


def _iati_files(realdata: Path) -> list[Path]:
    return sorted(p for p in (realdata / "iati").rglob("*") if p.is_file())


@pytest.mark.realdata
def test_real_iati_files_parse(realdata):
    files = _iati_files(realdata)
    assert any(p.suffix == ".gz" for p in files)
    total = versions = 0
    seen_versions = set()
    for path in files:
        if not looks_like_iati(path):
            continue
        result = read_iati(path)
        total += len(result.rows)
        versions += 1
        seen_versions.add((result.details["version"] or "?")[:1])
        assert result.rows["project_id"].notna().all(), path
        assert list(result.rows["row_number"]) == list(range(1, len(result.rows) + 1))
    assert total > 8000
    assert {"1", "2"} <= seen_versions


@pytest.mark.realdata
def test_real_markers_agree_with_flattened_activities(realdata):
    """activities.csv flattens the same files: where both give a marker, they must agree."""
    flat = pd.read_csv(realdata / "activities.csv", dtype=str).drop_duplicates("iati_identifier")
    flat = flat.set_index("iati_identifier")["gender_marker_significance"]
    checked = 0
    for path in _iati_files(realdata)[::5]:
        if not looks_like_iati(path):
            continue
        rows = read_iati(path).rows.dropna(subset=["gender_marker"])
        both = rows[rows["project_id"].isin(flat.index)]
        mine = both["gender_marker"].astype(str).tolist()
        theirs = flat.loc[both["project_id"]].tolist()
        assert mine == theirs, path
        checked += len(both)
    assert checked > 500

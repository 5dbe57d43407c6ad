"""The upload page (`screening serve`): real uploads through the real Prefect flow, into this
test's own warehouse, over FastAPI's test client."""

from __future__ import annotations

import re
import warnings
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from faces.web import create_app, safe_file_name
from screening import config, rules, warehouse

with warnings.catch_warnings():  # Starlette's test client prefers httpx2 to the httpx we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

HEADER = ["J.nr.", "Titel", "Beskrivelse", "Land", "DAC-kode", "Bevilling\n(DKK)", "Startdato",
          "Slutdato", "Ligestillingsmarkør"]  # fmt: skip
LONG = (
    "The programme supports women's participation in local peace committees and mediation, "
    "trains women mediators, and funds survivors of sexual and gender-based violence."
)
EXTERNAL = re.compile(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


def _workbook(path: Path, project_id: str = "2025-01") -> bytes:
    """One good row (Excel row 2) and one whose budget is "afventer" (row 3)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Bilateral"
    ws.append(HEADER)
    ws.append([project_id, "Women mediators", LONG, "Uganda", 15220, "1.234.567,50", "2024",
               "2026", "2"])  # fmt: skip
    ws.append(["2025-99", "Budget unknown", LONG, "Sudan", 15170, "afventer", "2024", "2025",
               "1"])  # fmt: skip
    wb.save(path)
    return path.read_bytes()


@pytest.fixture
def db(data_dir: Path) -> Path:
    return data_dir / "warehouse.duckdb"


@pytest.fixture
def client(db: Path) -> TestClient:
    return TestClient(create_app(db))


def _uploads(db: Path) -> list[dict]:
    frame = warehouse.query(db, "SELECT * FROM uploads ORDER BY upload_id")
    return frame.to_dict("records")


# --- the page, and what is refused before any flow runs -----------------------------------


def test_the_page_has_the_form_and_nothing_from_elsewhere(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    accept = r'<input type="file" id="file"[^>]*accept=".xlsx,.xlsm,.xls,.csv,.xml,.gz"'
    assert re.search(accept, page)
    assert '<label for="file">' in page and '<label for="portfolio">' in page
    assert '<label for="channel">' in page and '<option value="">As the file says</option>' in page
    for channel in ("bilateral", "multilateral", "humanitarian"):
        assert f'<option value="{channel}">' in page
    assert "A new upload of the same\nportfolio supersedes the old one." in page
    assert '<button type="submit">Upload</button>' in page
    assert "Checking every row" in page and 'xhr.open("POST", "upload?"' in page
    assert '<progress id="progress-bar"' in page  # progress while an upload runs
    assert 'href="template.xlsx?lang=da" download>Dansk</a>' in page
    assert "No uploads yet." in page
    assert "<script src" not in page and "<link" not in page
    assert not EXTERNAL.findall(page), EXTERNAL.findall(page)
    assert "script-src 'nonce-" in response.headers["content-security-policy"]


def test_the_page_check_for_external_urls_does_find_them():
    """The pattern the page is checked with is not one that can never match."""
    for html in ('<script src="https://cdn.example/x.js">', "<a href='http://x'>", "<img src=//x>"):
        assert EXTERNAL.search(html)
    assert not EXTERNAL.search('<a href="#result">')


def test_no_api_documentation_pages_that_would_load_a_cdn(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("C:\\fakepath\\Uganda FY25.xlsx", "Uganda FY25.xlsx"),
        ("/abs/dir/report.csv", "report.csv"),
        ("bad\x00name\n.xlsx", "badname .xlsx"),
        ("..", ""),
        ("dir/", ""),
        ("", ""),
    ],
)
def test_a_file_name_is_never_a_path(given, kept):
    assert safe_file_name(given) == kept


def test_a_very_long_file_name_is_shortened_keeping_its_extension():
    name = safe_file_name("ø" * 300 + ".xlsx")
    assert name.endswith("ø.xlsx") and len(name.encode("utf-8")) <= 200


def test_an_upload_without_a_name_or_with_an_unknown_channel_is_refused(client, db):
    no_name = client.post("/upload", content=b"x")
    assert no_name.status_code == 400
    assert "file_name=" in no_name.json()["message"]
    channel = client.post("/upload?file_name=a.xlsx&channel=bilaterall", content=b"x")
    assert channel.status_code == 400
    assert "is not a channel" in channel.json()["message"]
    assert not db.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(client, db, monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_BYTES", 1000)
    expected = rules.rule("upload.too_large").format(
        file_name="big.xlsx", detail="1.5 KB (the limit is 1000 bytes)"
    )
    declared = client.post("/upload?file_name=big.xlsx", content=b"x" * 1536)
    assert declared.status_code == 413
    assert declared.json() == {
        "rule": "upload.too_large",
        "file_name": "big.xlsx",
        "status": "refused",
        "message": expected,
    }
    # Sent without a length (chunked): refused as soon as the limit is passed.
    streamed = client.post("/upload?file_name=big.xlsx", content=iter([b"x" * 600] * 3))
    assert streamed.status_code == 413
    assert streamed.json()["message"].startswith('"big.xlsx" is more than 1000 bytes, over')
    assert not db.exists()


def test_an_upload_from_another_site_is_refused(client, db):
    response = client.post(
        "/upload?file_name=a.xlsx", content=b"x", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert "own upload page" in response.json()["message"]
    assert not db.exists()


def test_an_unexpected_error_is_one_sentence_without_a_traceback(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("Traceback (most recent call last): secret /srv/path")

    monkeypatch.setattr("faces.web._run_ingest", broken)
    response = client.post("/upload?file_name=a.xlsx", content=b"x")
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "error"
    assert body["message"].startswith('Something unexpected went wrong with "a.xlsx"')
    assert "Traceback" not in response.text and "/srv/path" not in response.text


def test_a_busy_warehouse_says_so(client, monkeypatch):
    from screening.errors import WarehouseBusy

    def busy(*args, **kwargs):
        raise WarehouseBusy("Another process is writing to the warehouse; try again later.")

    monkeypatch.setattr("faces.web._run_ingest", busy)
    response = client.post("/upload?file_name=a.xlsx", content=b"x")
    assert response.status_code == 503
    assert response.json()["message"] == (
        "a.xlsx: not ingested. Another process is writing to the warehouse; try again later."
    )


def test_no_uploads_yet(client):
    assert client.get("/uploads").json() == {"uploads": []}


# --- real uploads through the flow -------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_an_upload_loads_says_what_was_rejected_and_loads_once(client, db, tmp_path):
    content = _workbook(tmp_path / "Uganda.xlsx")
    response = client.post(
        "/upload?file_name=Uganda.xlsx&channel=bilateral&portfolio=Uganda%20FY25",
        content=content,
        headers={"X-Uploaded-By": "kla@um.dk"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "loaded" and result["duplicate"] is False
    counts = [result[f"rows_{n}"] for n in ("read", "loaded", "rejected", "skipped", "merged")]
    assert counts == [2, 1, 1, 0, 0]
    assert result["portfolio"] == "uganda fy25" and result["no_longer_current"] == 0
    assert result["screening"]["screened"] == 1
    assert result["summary_lines"][0].startswith(
        "Uganda.xlsx: upload 1 (bilateral) — 2 rows read: 1 loaded, 1 rejected, 0 skipped"
    )
    assert "screening explain" not in " ".join(result["summary_lines"])
    assert result["kind"] == "loaded"
    rejected = [i for i in result["issues"] if i["severity"] == "error"]
    assert rejected == [
        {
            "severity": "error", "rule": "number.invalid", "title": "Not a number",
            "where": '"Bilateral", row 3', "whole_sheet": False, "count": 1,
            "message": 'Row 3: budget "afventer" is not a number.',
            "messages": ['Row 3: budget "afventer" is not a number.'],
        }
    ]  # fmt: skip
    assert {"sheet": "Bilateral", "header_row": 1, "column": "F", "header": "Bevilling\n(DKK)",
            "field": "budget"} in result["columns"]  # fmt: skip
    assert result["links"] == {"page": "uploads/1", "feedback": "uploads/1/feedback.xlsx"}
    assert "archive_path" not in result  # the server's folders are nobody's business

    [stored] = _uploads(db)
    assert (stored["file_name"], stored["uploaded_by"], stored["portfolio"]) == (
        "Uganda.xlsx",
        "kla@um.dk",
        "uganda fy25",
    )
    assert stored["status"] == "loaded" and stored["rows_loaded"] == 1

    same = {"file_name": "Uganda (copy).xlsx", "channel": "bilateral", "portfolio": "Uganda FY25"}
    again = client.post("/upload", params=same, content=content)
    assert again.status_code == 200, again.text
    duplicate = again.json()
    assert duplicate["duplicate"] is True and duplicate["upload_id"] == 1
    assert duplicate["kind"] == "duplicate"
    assert duplicate["first_loaded_at"] == stored["uploaded_at"].isoformat(timespec="seconds")
    assert duplicate["summary_lines"][0].startswith(
        "Uganda (copy).xlsx: the same content, with the same channel, is already the current "
        'version of portfolio "uganda fy25" (upload 1 ("Uganda.xlsx"), '
    )
    assert len(_uploads(db)) == 1

    listed = client.get("/uploads").json()["uploads"]
    assert [(u["upload_id"], u["file_name"], u["uploaded_by"]) for u in listed] == [
        (1, "Uganda.xlsx", "kla@um.dk")
    ]
    assert "archive_path" not in listed[0]
    page = client.get("/").text
    assert '<td class="file"><a href="uploads/1">Uganda.xlsx</a></td>' in page
    assert "The last upload</caption>" in page and "No uploads yet." not in page

    # The upload's own page: its counts, the columns read, the rows not loaded, a download.
    detail = client.get("/uploads/1")
    assert detail.status_code == 200
    assert "<h1>Upload 1: Uganda.xlsx</h1>" in detail.text
    assert 'Row 3: budget &#34;afventer&#34; is not a number.' in detail.text
    assert "<td>Bevilling\n(DKK)</td><td>budget</td>" in detail.text
    assert 'href="1/feedback.xlsx" download' in detail.text
    assert not EXTERNAL.findall(detail.text)
    feedback = client.get("/uploads/1/feedback.xlsx")
    assert feedback.status_code == 200
    assert "Uganda%20-%20feedback.xlsx" in feedback.headers["content-disposition"]
    sheets = load_workbook(BytesIO(feedback.content)).sheetnames
    assert sheets == ["Issues", "Screening", "Bilateral"]
    assert client.get("/uploads/9").status_code == 404
    assert client.get("/uploads/9/feedback.xlsx").status_code == 404


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_a_pdf_is_refused_with_the_sentence_desk_officers_know(client, db):
    response = client.post("/upload?file_name=portfolio.xlsx", content=b"%PDF-1.4 not a workbook")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "refused"
    assert body["message"] == rules.rule("upload.not_a_workbook").format(file_name="portfolio.xlsx")
    [stored] = _uploads(db)
    assert (stored["status"], stored["uploaded_by"]) == ("refused", "web")
    assert warehouse.query(db, "SELECT count(*) AS n FROM projects")["n"][0] == 0


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_a_file_name_with_directories_is_stored_without_them_and_shown_escaped(
    client, db, tmp_path
):
    content = _workbook(tmp_path / "x.xlsx", project_id="2025-77")
    response = client.post(
        "/upload", params={"file_name": "../../<b>Sudan & Co.xlsx"}, content=content
    )
    assert response.status_code == 200, response.text
    assert response.json()["file_name"] == "<b>Sudan & Co.xlsx"
    [stored] = _uploads(db)
    assert stored["file_name"] == "<b>Sudan & Co.xlsx"
    assert "/" not in stored["file_name"] and ".." not in stored["file_name"]
    page = client.get("/").text
    assert '<a href="uploads/1">&lt;b&gt;Sudan &amp; Co.xlsx</a>' in page
    assert "<b>Sudan" not in page
    detail = client.get("/uploads/1").text
    assert "<h1>Upload 1: &lt;b&gt;Sudan &amp; Co.xlsx</h1>" in detail and "<b>Sudan" not in detail


def test_the_template_downloads(client):
    response = client.get("/template.xlsx", params={"lang": "da", "channel": "bilateral"})
    assert response.status_code == 200
    assert 'filename="portfolio-template-bilateral-da.xlsx"' in (
        response.headers["content-disposition"]
    )
    assert load_workbook(BytesIO(response.content)).sheetnames == [
        "Bilateral", "Vejledning", "Lister"
    ]  # fmt: skip
    assert client.get("/template.xlsx", params={"lang": "fr"}).status_code == 400


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.slow
@pytest.mark.xdist_group("prefect")
def test_a_corrupt_old_excel_file_is_refused_not_a_server_error(client, db):
    """Issue 11, problem 7: the page answered HTTP 500."""
    body = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 20
    response = client.post("/upload?file_name=old.xls", content=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith('"old.xls" could not be read')
    assert _uploads(db)[0]["status"] == "refused"

"""The upload page in a real browser (Debian's headless Chromium, driven by Playwright), as a
desk officer uses it: choose a messy workbook in the file input, upload, read the result,
download the feedback workbook and find the problem cells marked in it (issue 11)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook

from faces.feedback import FILLS
from faces.web import create_app
from tests.test_feedback import messy_workbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect")]
UPLOAD_TIMEOUT_MS = 300_000  # the first upload starts Prefect's machinery; a busy CI is slow


@pytest.fixture
def server(prefect_harness, data_dir: Path):
    """The upload page served by uvicorn on a free port of this machine, in a thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(data_dir / "warehouse.duckdb")
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    while not served.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    served.should_exit = True
    thread.join(timeout=10)


def test_a_desk_officer_uploads_reads_the_result_and_gets_the_marked_file(
    browser, server: str, tmp_path: Path
) -> None:
    workbook = messy_workbook(tmp_path / "Sudan portfolio.xlsx")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(server)
    assert page.title() == "Upload a portfolio – WPS screening"

    page.set_input_files("#file", str(workbook))
    page.click("button[type=submit]")
    page.wait_for_selector("#result.loaded", timeout=UPLOAD_TIMEOUT_MS)

    result = page.inner_text("#result")
    headline = "Sudan portfolio.xlsx: upload 1 (bilateral) — 4 rows read: 1 loaded, 2 rejected"
    assert headline in result
    assert 'Row 5: budget "afventer" is not a number.' in result
    assert "Beløb DKK" in page.inner_text("#result table")  # the columns read, as what
    assert page.locator("#progress").is_hidden()
    page.wait_for_selector("#recent caption")  # the list is fetched again after the upload
    assert "The last upload" in page.inner_text("#recent")

    with page.expect_download() as download:
        page.click("text=Download your file with every problem marked")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "Sudan portfolio - feedback.xlsx"
    sheet = load_workbook(saved)["Bilateral"]
    assert sheet["F5"].value == "afventer"
    assert sheet["F5"].fill.start_color.rgb.endswith(FILLS["error"].start_color.rgb[-6:])
    assert "is not a number" in sheet["F5"].comment.text
    assert sheet["D6"].fill.fill_type == "solid" and "country" in sheet["D6"].comment.text

    page.click("text=Open upload 1")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Upload 1: Sudan portfolio.xlsx"
    assert "Rows not loaded, and why (2)" in page.inner_text("main")
    context.close()

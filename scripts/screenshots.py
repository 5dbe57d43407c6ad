"""Screenshots for docs/: the upload page and an upload's page as a desk officer sees them, and
the printed report's first pages as an evaluator hands them on.

Run: .venv/bin/python scripts/screenshots.py  (needs `make system`: chromium, LibreOffice,
poppler-utils). Works in a temporary data folder: uploads data/samples/portfolio_multi_sheet.xlsx
through the page in headless Chromium, writes the report, prints it with LibreOffice and turns
the Summary's first page and the first Projects page into PNGs with pdftoppm.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "screenshots"
SAMPLE = ROOT / "data" / "samples" / "portfolio_multi_sheet.xlsx"
sys.path.insert(0, str(ROOT))


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="screenshots-"))
    os.environ["SCREENING_DATA_DIR"] = str(data)
    from screening.config import configure_offline

    configure_offline()
    import uvicorn
    from playwright.sync_api import sync_playwright

    from faces.report import write_report
    from faces.web import create_app
    from flows.writer import ensure_writer_limit
    from screening import config
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.printing import page_texts, xlsx_to_pdf

    DOCS.mkdir(parents=True, exist_ok=True)
    db = data / "warehouse.duckdb"
    ensure_writer_limit()  # as `screening serve` does on Prefect's own API
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.set_input_files("#file", str(SAMPLE))
        page.click("button[type=submit]")
        page.wait_for_selector("#progress:not([hidden])")
        page.screenshot(path=DOCS / "upload-progress.png")
        page.wait_for_selector("#result.loaded, #result.nothing", timeout=600_000)
        page.screenshot(path=DOCS / "upload-result.png", full_page=True)
        page.goto(url + "uploads/1")
        page.screenshot(path=DOCS / "upload-page.png", full_page=True)
        browser.close()
    server.should_exit = True

    report = write_report(config.readable_db(db), data / "report.xlsx").path
    pdf = xlsx_to_pdf(report, data / "pdf")
    texts = page_texts(pdf)
    for sheet in ("Summary", "Projects", "Partner types"):
        first = next(
            (i for i, t in enumerate(texts, 1) if re.search(rf"{sheet} · page 1 of", t)), None
        )
        if first is None:
            print(f"No printed page footed '{sheet} · page 1 of': no picture of it.")
            continue
        name = DOCS / f"report-{sheet.lower().replace(' ', '-')}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", str(first), "-l", str(first),
             "-singlefile", str(pdf), str(name)],
            check=True,
        )  # fmt: skip
    print(f"Wrote the screenshots in {DOCS}")


if __name__ == "__main__":
    main()

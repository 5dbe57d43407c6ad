"""Shared fixtures: every test gets its own data folder, so tests never touch data/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Speed is measured in bench/, never in tests: a busy CI machine must not fail a property test.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
if not REALDATA.is_dir():  # CI lays shared/ beside the clone
    REALDATA = Path(os.environ.get("SCREENING_REALDATA", "/nonexistent"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private runtime folder (archive, work files, warehouse) for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("SCREENING_DATA_DIR", str(root))
    monkeypatch.delenv("SCREENING_DB", raising=False)
    return root


@pytest.fixture
def realdata() -> Path:
    """../shared/realdata, or skip when it is not there."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


@pytest.fixture(scope="session")
def prefect_harness():
    """Real Prefect flows against a temporary Prefect database, for the whole test session."""
    from screening.config import configure_offline

    configure_offline()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        from flows.writer import ensure_writer_limit

        ensure_writer_limit()  # as `screening up` and the command line do
        yield


@pytest.fixture
def ingest(prefect_harness, data_dir: Path):
    """Run the real `ingest_portfolio` flow into this test's own warehouse (`ingest.db`)."""
    from flows.ingest import ingest_portfolio

    db = data_dir / "warehouse.duckdb"

    def run(path: Path, **kwargs) -> dict:
        return ingest_portfolio(str(path), db=str(db), **kwargs)

    run.db = db
    return run


# Headless Chromium from Debian's package, never a browser Playwright downloads; no network
# beyond the page under test.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium driven by Playwright, for the whole session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system` (or apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

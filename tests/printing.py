"""Print a workbook as LibreOffice does, and read the PDF back: what an evaluator hands on.

`libreoffice --headless --convert-to pdf` applies each sheet's page setup (orientation, fit to
width, print titles), as printing from Calc would; `pdfinfo` and `pdftotext` (poppler-utils)
count the pages and read their text. `make system` installs both from Debian.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CONVERT_TIMEOUT_S = 300


def require(command: str, package: str) -> str:
    """The path of a system command, or a failure that says how to install it."""
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"{command} is missing: run `make system` (or apt-get install {package}).")
    return path


def convert(path: Path, to: str, out_dir: Path) -> Path:
    """`path` converted by LibreOffice headless (`to`: pdf, xls, ...), with a profile of its
    own, so that two conversions at once, or a user's open LibreOffice, do not collide."""
    office = require("libreoffice", "libreoffice-calc")
    profile = out_dir / "lo-profile"
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=CONVERT_TIMEOUT_S,
    )  # fmt: skip
    converted = out_dir / f"{path.stem}.{to}"
    assert converted.exists(), f"LibreOffice wrote no {converted.name}"
    return converted


def xlsx_to_pdf(xlsx: Path, out_dir: Path) -> Path:
    """`xlsx` printed to PDF, each sheet with its own page setup, as Calc prints it."""
    return convert(xlsx, "pdf", out_dir)


def page_count(pdf: Path) -> int:
    info = subprocess.run(
        [require("pdfinfo", "poppler-utils"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    text = subprocess.run(
        [require("pdftotext", "poppler-utils"), "-layout", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return text.split("\f")[: page_count(pdf)]

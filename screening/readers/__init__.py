"""The read stage: any upload into the read stage's frame (docs/ARCHITECTURE.md, "read").

`read_upload` is the one entry point. Desk officers' workbooks and CSV files go to
`workbook.py`; what donors publish, laid out by a standard rather than by a person, to
`crs.py` (OECD CRS extracts) and `iati.py` (IATI activity XML). All three build on
`grid.py`: what the file really is (`sniff`), sheets and CSV files as grids of text, blank and
total lines, and the result type `ReadResult`.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pandas as pd

from screening import config
from screening.readers import crs, iati
from screening.readers.grid import ReadResult, human_size, sniff
from screening.readers.workbook import read_portfolio
from screening.rules import refusal

__all__ = ["ReadResult", "read_portfolio", "read_upload"]

GZIP_MAGIC = b"\x1f\x8b"


def read_upload(path: Path, file_name: str | None = None) -> ReadResult:
    """The read stage's entry point: an IATI activity file, a CRS extract, or a workbook/CSV.

    `rows` always has `source` (as `ReadResult.source`) and `is_aggregate` (boolean; CRS lines
    reporting small activities in bulk) right before `extra`. The order of the checks matters:
    - the upload limit (SCREENING_MAX_UPLOAD_BYTES) is checked first, for every kind;
    - XML (plain or gzipped) goes to the IATI reader before `sniff`, which would call it
      "not a workbook"; that reader refuses non-IATI or unsafe XML with the reason and caps
      gzip expansion (SCREENING_MAX_UNZIPPED_BYTES);
    - anything else passes `sniff` (zip bombs, encrypted or disguised files) before a CRS
      sniff opens it, then goes to the CRS reader when its header is a CRS one (in USD
      millions for an OECD bulk file: `crs.sniff_crs`), else to `read_portfolio`.
    """
    name = file_name or path.name
    _check_size(path, name)
    if iati.looks_like_iati(path):
        result = iati.read_iati(path, file_name=name)
    else:
        if _is_xml(path):
            iati.read_iati(path, file_name=name)  # refuses it, naming the root element
        kind = sniff(path, name)
        if (scale := crs.sniff_crs(path, kind)) is not None:
            result = crs.read_crs(path, file_name=name, amount_scale=scale, kind=kind)
        else:
            result = read_portfolio(path, file_name=name, kind=kind)
    result.rows = _with_source(result.rows, result.source)
    return result


def _check_size(path: Path, name: str) -> None:
    """`sniff`'s size checks, for files (XML) that do not go through `sniff`."""
    size = path.stat().st_size
    limit = config.MAX_UPLOAD_BYTES
    if size > limit:
        detail = f"{human_size(size)} (the limit is {human_size(limit)})"
        raise refusal("upload.too_large", name, detail)
    if size == 0:
        raise refusal("upload.not_a_workbook", name)


def _is_xml(path: Path) -> bool:
    """True when the (possibly gzipped) file starts with an XML declaration."""
    with path.open("rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    try:
        with (gzip.open if gzipped else open)(path, "rb") as f:
            head = f.read(1024)
    except (OSError, EOFError, zlib.error):
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<?xml")


def _with_source(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """`rows` with `source` and `is_aggregate` (False when the reader gave none) before `extra`."""
    rows = rows.copy()
    aggregate = (
        rows["is_aggregate"].astype("boolean").fillna(False)
        if "is_aggregate" in rows
        else pd.Series(False, index=rows.index, dtype="boolean")
    )
    rows = rows.drop(columns=["source", "is_aggregate"], errors="ignore")
    at = rows.columns.get_loc("extra") if "extra" in rows else len(rows.columns)
    rows.insert(at, "source", pd.Series(source, index=rows.index, dtype="string"))
    rows.insert(at + 1, "is_aggregate", aggregate)
    return rows



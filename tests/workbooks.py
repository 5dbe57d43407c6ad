"""Write real test workbooks: openpyxl for the layout, a little XML surgery for what it cannot.

openpyxl cannot write a formula's cached value or an error cell, and nothing in Python writes
a legacy .xls, so `set_cell_xml` patches a sheet's XML and `write_ole` builds a minimal
Compound File Binary (the container of .xls and of encrypted .xlsx) by hand.
"""

from __future__ import annotations

import re
import struct
import zipfile
from io import BytesIO
from pathlib import Path

import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile

Rows = list[list[object]]


def write_xlsx(
    path: Path,
    sheets: dict[str, Rows],
    *,
    hidden: tuple[str, ...] = (),
    merged: dict[str, list[str]] | None = None,
    text_cells: dict[str, list[str]] | None = None,
) -> Path:
    """A workbook with one sheet per entry, rows written from A1 (`None` is an empty cell).

    `merged` lists ranges to merge per sheet ("A1:B1"); `text_cells` lists cells whose value
    starts with "=" but must be stored as text, not as a formula.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for ref in (text_cells or {}).get(name, []):
            ws[ref].data_type = "s"
        for cell_range in (merged or {}).get(name, []):
            ws.merge_cells(cell_range)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def set_cell_xml(path: Path, sheet_number: int, cells: dict[str, str]) -> Path:
    """Replace cells of `xl/worksheets/sheet<n>.xml` by raw XML (`<c r="B8">...</c>`).

    The cells must exist (write a placeholder value with openpyxl first).
    """
    member = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(path) as src:
        parts = {info: src.read(info) for info in src.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts.items():
            if info.filename == member:
                for ref, xml in cells.items():
                    pattern = rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>'
                    data, count = re.subn(pattern, xml.encode(), data, count=1, flags=re.S)
                    assert count == 1, f"no cell {ref} in {member}"
            out.writestr(info, data)
    return path


def encrypt_xlsx(source: Path, target: Path, password: str = "secret") -> Path:
    """A real password-protected workbook (Agile encryption, as Excel writes it)."""
    out = BytesIO()
    with source.open("rb") as f:
        OOXMLFile(f).encrypt(password, out)
    target.write_bytes(out.getvalue())
    return target


def write_ole(path: Path, stream_name: str = "Workbook", size: int = 4096) -> Path:
    """A minimal CFB (version 3) file holding one stream: what a legacy .xls looks like outside.

    Layout: header, sector 0 the FAT, sector 1 the directory, then the stream's sectors.
    The stream is at least 4096 bytes so it lives in regular sectors, not the mini stream.
    """
    free, end_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    n_data = max(size, 4096) // 512
    fat = [fat_sector, end_chain] + [3 + i for i in range(n_data - 1)] + [end_chain]
    fat += [free] * (128 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x3E, 3, 0xFFFE, 9, 6, bytes(6),
        0, 1, 1, 0, 0x1000, end_chain, 0, end_chain, 0,
    )
    header += struct.pack("<109I", 0, *[free] * 108)

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded, len(encoded), kind, 1, no_stream, no_stream, child, bytes(16), 0, 0, 0,
            start, length,
        )

    directory = entry("Root Entry", 5, 1, end_chain, 0) + entry(stream_name, 2, no_stream, 2, size)
    directory += entry("", 0, no_stream, 0, 0) * 2
    data = bytes(n_data * 512)
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + data)
    return path

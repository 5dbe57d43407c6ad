"""Tell what an upload really is, from its bytes, before anything tries to parse it.

Desk officers rename files freely (a PDF saved as `.xlsx`, an old `.xls` renamed `.xlsx`,
a CSV called `.xlsx`), so the file name proves nothing. Every refusal here is cheap: it
looks at the size, the first bytes, the zip directory or the OLE directory, and never
expands a workbook, so a zip bomb or a huge file is refused before it costs anything.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path
from typing import NoReturn

import olefile

from screening import config, rules
from screening.errors import UploadRefused

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text files that are not CSV but would otherwise decode as text.
TEXT_DOCUMENT_MAGIC = (b"%PDF", b"{\\rtf")
TEXT_SAMPLE_BYTES = 1024 * 1024
# Control characters that never occur in a CSV export (tab, LF, FF, CR do).
_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}


def sniff(path: Path, file_name: str | None = None, max_bytes: int | None = None) -> str:
    """`"xlsx"` (also for .xlsm) or `"csv"`, decided by the content; otherwise `UploadRefused`.

    `file_name` is the name the user uploaded (the archived `path` may be a hash); it only
    appears in messages. `max_bytes` defaults to `config.MAX_UPLOAD_BYTES`, read at call time.
    """
    name = file_name or path.name
    limit = config.MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > limit:
        raise _refuse("upload.too_large", name, _over(size, limit))
    if size == 0:
        raise _refuse("upload.not_a_workbook", name)
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path, name)
    if head == OLE_MAGIC:
        _refuse_ole(path, name)
    return _sniff_text(path, name)


def human_size(n_bytes: int) -> str:
    """A size as people read it: `"62.3 MB"` (binary units, as Windows Explorer shows them)."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    size = n_bytes / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _refuse(rule_id: str, file_name: str, detail: str = "") -> UploadRefused:
    message = rules.rule(rule_id).format(file_name=file_name, detail=detail)
    return UploadRefused(message, rule=rule_id)


def _over(size: int, limit: int) -> str:
    return f"{human_size(size)} (the limit is {human_size(limit)})"


def _sniff_zip(path: Path, name: str) -> str:
    """An xlsx/xlsm is a zip with `xl/workbook.xml`; its declared size is checked first."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse("upload.unreadable", name, f"the zip container is damaged: {exc}") from exc
    expanded = sum(info.file_size for info in members)
    if expanded > config.MAX_UNZIPPED_BYTES:
        raise _refuse("upload.unzipped_too_large", name, _over(expanded, config.MAX_UNZIPPED_BYTES))
    if not any(info.filename == "xl/workbook.xml" for info in members):
        raise _refuse("upload.not_a_workbook", name)
    return "xlsx"


def _refuse_ole(path: Path, name: str) -> NoReturn:
    """Refuse an OLE file: an encrypted xlsx (it has `EncryptionInfo`) or a legacy .xls/.doc."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptionInfo")
    except OSError:
        encrypted = False
    raise _refuse("upload.password_protected" if encrypted else "upload.not_a_workbook", name)


def _sniff_text(path: Path, name: str) -> str:
    """CSV if the first megabyte is text in UTF-8 or Windows-1252; binary otherwise."""
    with path.open("rb") as f:
        sample = f.read(TEXT_SAMPLE_BYTES)
    if sample.startswith(TEXT_DOCUMENT_MAGIC) or _TEXT_CONTROLS.intersection(sample):
        raise _refuse("upload.not_a_workbook", name)
    if not (_decodes(sample, "utf-8") or _decodes(sample, "cp1252")):
        raise _refuse("upload.not_a_workbook", name)
    return "csv"


def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether `sample` is valid text; a character cut at the sample's end does not count."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True

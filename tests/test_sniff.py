"""File-type detection by content, and every refusal it makes before a workbook is parsed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening import config
from screening.errors import UploadRefused
from screening.readers.grid import human_size, sniff
from tests.workbooks import encrypt_xlsx, write_ole, write_xlsx

SHEETS = {"Bilateral": [["Project ID", "Title", "Budget"], ["P-1", "Water", 5]]}


def refusal(path: Path, file_name: str | None = None) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        sniff(path, file_name)
    return refused.value


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".csv", ""])
def test_workbook_is_xlsx_whatever_its_name(tmp_path: Path, suffix: str) -> None:
    assert sniff(write_xlsx(tmp_path / f"upload{suffix}", SHEETS)) == "xlsx"


@pytest.mark.parametrize(
    "data",
    [
        b"Project ID,Title\nP-1,Water\n",
        b"\xef\xbb\xbfProject ID;Title\r\nP-1;Vand\r\n",
        "Projekt nr.;Titel\nP-1;Brønde æøå\n".encode("cp1252"),
        "Projekt nr.;Titel\nP-1;Brønde æøå\n".encode(),
    ],
    ids=["utf8-comma", "utf8-bom-semicolon", "cp1252", "utf8-danish"],
)
def test_text_is_csv_even_when_named_xlsx(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(data)
    assert sniff(path) == "csv"


def test_utf8_character_cut_by_the_sample_is_still_text(tmp_path: Path, monkeypatch) -> None:
    """Only the first megabyte is checked; a character cut at its end must not refuse the file.

    "Á" (C3 81) makes the text invalid Windows-1252, so only the UTF-8 check can accept it.
    """
    path = tmp_path / "p.csv"
    path.write_bytes("Ál;Brønde\n".encode())  # "ø" is bytes 6 and 7
    monkeypatch.setattr("screening.readers.grid.TEXT_SAMPLE_BYTES", 7)
    assert sniff(path) == "csv"


# --- refused ------------------------------------------------------------------------------------


def test_too_large_uses_the_configured_limit_at_call_time(tmp_path: Path, monkeypatch) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", SHEETS)
    monkeypatch.setattr(config, "MAX_UPLOAD_BYTES", 1000)
    refused = refusal(path, "big.xlsx")
    assert refused.rule == "upload.too_large"
    assert str(refused).startswith(f'"big.xlsx" is {human_size(path.stat().st_size)} (the limit is')


def test_too_large_with_an_explicit_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"x" * 2048)
    with pytest.raises(UploadRefused, match=r"is 2\.0 KB \(the limit is 1\.0 KB\)"):
        sniff(path, max_bytes=1024)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.touch()
    assert refusal(path).rule == "upload.not_a_workbook"


def test_declared_unzipped_size_is_checked_first(tmp_path: Path, monkeypatch) -> None:
    """A zip bomb is refused from its directory alone, even one that is not a workbook."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(5 * 1024 * 1024))
    assert path.stat().st_size < 50 * 1024
    monkeypatch.setattr(config, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    refused = refusal(path, "bomb.xlsx")
    assert refused.rule == "upload.unzipped_too_large"
    assert "would expand to 5.0 MB (the limit is 1.0 MB)" in str(refused)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    assert refusal(path).rule == "upload.not_a_workbook"


def test_damaged_zip_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(write_xlsx(tmp_path / "whole.xlsx", SHEETS).read_bytes()[:300])
    assert refusal(path).rule == "upload.unreadable"


def test_password_protected_workbook(tmp_path: Path) -> None:
    path = encrypt_xlsx(write_xlsx(tmp_path / "plain.xlsx", SHEETS), tmp_path / "locked.xlsx")
    refused = refusal(path, "locked.xlsx")
    assert refused.rule == "upload.password_protected"
    assert str(refused).startswith('"locked.xlsx" is protected with a password')


def test_legacy_xls_is_a_workbook_for_calamine(tmp_path: Path) -> None:
    """Issue 11, problem 7: an Excel 97-2003 workbook is read (python-calamine reads .xls)."""
    assert sniff(write_ole(tmp_path / "old.xls")) == "xls"


def test_a_broken_legacy_xls_is_refused_in_one_sentence(tmp_path: Path) -> None:
    from screening.readers import read_upload

    path = write_ole(tmp_path / "old.xls")  # a Workbook stream of zeros: no sheet in it
    with pytest.raises(UploadRefused) as refused:
        read_upload(path, "old.xls")
    assert refused.value.rule in ("upload.unreadable", "upload.no_header")
    assert str(refused.value).startswith('"old.xls" ')


def test_another_office_document_is_not_a_workbook(tmp_path: Path) -> None:
    refused = refusal(write_ole(tmp_path / "letter.doc", stream_name="WordDocument"))
    assert refused.rule == "upload.not_a_workbook"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",  # even a PDF with no binary part
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nstream\x00\x01\x02",
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"Project ID,Title\nP-1,\x00Water\n",
        b"{\\rtf1\\ansi Project ID}",
        b"abc\x81\x8d\x8f\x90\x9d\xc3",  # neither UTF-8 nor Windows-1252
    ],
    ids=["pdf-text", "pdf-binary", "garbage", "png", "nul-byte", "rtf", "undecodable"],
)
def test_not_a_workbook(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "portfolio.xlsx"
    path.write_bytes(data)
    assert refusal(path).rule == "upload.not_a_workbook"


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=2048))
def test_any_bytes_are_sniffed_or_refused_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.xlsx"
    path.write_bytes(data)
    try:
        assert sniff(path) in {"xlsx", "csv"}
    except UploadRefused as refused:
        assert refused.rule.startswith("upload.")


@pytest.mark.parametrize(
    ("n_bytes", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KB"), (int(62.3 * 1024**2), "62.3 MB"),
     (3 * 1024**3, "3.0 GB")],
)
def test_human_size(n_bytes: int, text: str) -> None:
    assert human_size(n_bytes) == text

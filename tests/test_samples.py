"""The committed sample portfolios are exactly what scripts/make_samples.py writes.

Read back with openpyxl and csv only (not the project's reader), so these tests hold the
samples to their description in data/samples/README.md whatever the reader does with them.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_samples.py"
COMMITTED = ROOT / "data" / "samples"
CSV_FORMATS = {  # file -> (delimiter, encoding)
    "humanitarian_south_sudan.csv": (";", "cp1252"),
    "bilateral_uganda_export.csv": (",", "utf-8-sig"),
}
WORKBOOKS = ("bilateral_uganda_afghanistan.xlsx", "multilateral_sudan_somalia.xlsx",
             "portfolio_multi_sheet.xlsx")
TOTAL_LABELS = ("Total", "I alt")


@pytest.fixture(scope="module")
def make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def regenerated(make_samples: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    make_samples.main(["--out", str(out)])
    return out


@pytest.fixture(scope="module")
def samples(make_samples: ModuleType, regenerated: Path) -> list:
    """What the script says about each file (tables, row counts, flaws with row numbers)."""
    return [build(regenerated) for build in make_samples.BUILDERS]


def workbook_snapshot(path: Path) -> list:
    """Every sheet's name, visibility, merged ranges and non-empty cells with their types."""
    wb = openpyxl.load_workbook(path)
    return [(ws.title, ws.sheet_state, sorted(str(r) for r in ws.merged_cells.ranges),
             [(cell.coordinate, cell.value, cell.data_type)
              for row in ws.iter_rows() for cell in row if cell.value is not None])
            for ws in wb]


def csv_lines(path: Path) -> list[list[str]]:
    delimiter, encoding = CSV_FORMATS[path.name]
    return list(csv.reader(path.read_text(encoding=encoding).splitlines(), delimiter=delimiter))


def sheet_lines(path: Path, sheet: str) -> list[list[object]]:
    """A sheet's rows as lists, so that lines[n - 1] is the row Excel numbers n."""
    ws = openpyxl.load_workbook(path)[sheet]
    return [["" if value is None else value for value in row]
            for row in ws.iter_rows(values_only=True)]


def table_lines(path: Path, sheet: str) -> list[list[object]]:
    return csv_lines(path) if path.suffix == ".csv" else sheet_lines(path, sheet)


def test_help_documents_out() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True,
                            text=True, check=True)
    assert "--out" in result.stdout


@pytest.mark.parametrize("name", [*CSV_FORMATS, "README.md"])
def test_committed_text_files_are_what_the_script_writes(regenerated: Path, name: str) -> None:
    assert (COMMITTED / name).read_bytes() == (regenerated / name).read_bytes(), (
        f"data/samples/{name} differs from scripts/make_samples.py's output: "
        "change the script and run `make samples`, do not edit samples by hand")


@pytest.mark.parametrize("name", WORKBOOKS)
def test_committed_workbooks_are_what_the_script_writes(regenerated: Path, name: str) -> None:
    assert workbook_snapshot(COMMITTED / name) == workbook_snapshot(regenerated / name), (
        f"data/samples/{name} differs from scripts/make_samples.py's output")


def test_every_sample_file_is_described(samples: list) -> None:
    written = {path.name for path in COMMITTED.iterdir()} - {"README.md"}
    assert written == {sample.file for sample in samples}


def test_each_file_holds_30_to_200_projects(regenerated: Path, samples: list) -> None:
    for sample in samples:
        counted = 0
        for table in sample.tables:
            lines = table_lines(regenerated / sample.file, table.sheet)[table.header_row:]
            projects = [line for line in lines
                        if any(str(v).strip() for v in line) and line[0] not in TOTAL_LABELS]
            assert len(projects) == table.projects, (sample.file, table.sheet)
            counted += len(projects)
        assert 30 <= counted <= 200, sample.file


def test_every_listed_flaw_sits_where_the_readme_says(regenerated: Path, samples: list) -> None:
    for sample in samples:
        for table in sample.tables:
            assert table.flaws, f"{sample.file} {table.sheet} has no deliberate flaw"
            lines = table_lines(regenerated / sample.file, table.sheet)
            headers = [h for line in lines[:table.header_row] for h in line]
            width = len(lines[0])
            for number, flaw in table.flaws:
                for column, value in flaw.cells.items():
                    at = headers.index(column) % width  # a merged header may sit a row higher
                    read = lines[number - 1][at]
                    assert str(read) == str(value), (sample.file, table.sheet, number, column)


def test_flaws_read_back_as_broken(regenerated: Path) -> None:
    bilateral = sheet_lines(regenerated / "bilateral_uganda_afghanistan.xlsx", "Bilateral")
    assert any(line[5] == "Atlantis" for line in bilateral)
    ids = [line[0] for line in bilateral[4:] if line[0]]
    assert len(ids) > len(set(ids)), "a duplicate J.nr. is expected"

    humanitarian = csv_lines(regenerated / "humanitarian_south_sudan.csv")
    gam = humanitarian[0].index("GAM")
    assert any(line[gam] not in {"0", "1", "2", "3", "4"} for line in humanitarian[1:])

    export = csv_lines(regenerated / "bilateral_uganda_export.csv")
    start, end = export[0].index("Start date"), export[0].index("End date")
    iso = [line for line in export[1:] if line[start][4:5] == "-" and line[end][4:5] == "-"]
    assert any(line[end] < line[start] for line in iso)


def test_file_level_quirks(regenerated: Path) -> None:
    bilateral = openpyxl.load_workbook(regenerated / "bilateral_uganda_afghanistan.xlsx")
    assert bilateral["Lister"].sheet_state == "hidden"
    assert bilateral["Bilateral"]["H4"].value == "Bevilling\n(DKK)"
    assert str(bilateral["Bilateral"]["A1"].value).startswith("Danida portfolio")

    multi = openpyxl.load_workbook(regenerated / "portfolio_multi_sheet.xlsx")
    assert multi.sheetnames == ["Instructions", "Bilateral", "Multilateral", "Humanitær", "Ark1"]
    formula_like = [cell for row in multi["Multilateral"].iter_rows() for cell in row
                    if str(cell.value).startswith("=HYPERLINK")]
    assert formula_like and all(cell.data_type == "s" for cell in formula_like)

    raw = (regenerated / "humanitarian_south_sudan.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert (regenerated / "bilateral_uganda_export.csv").read_bytes().startswith(b"\xef\xbb\xbf")

"""Build data/reference/dac_purpose_codes.csv from the IATI Sector codelist.

Why a script: the purpose-code list is the OECD CRS list as replicated by IATI, and it should be
rebuilt the same way whenever a newer codelist is taken, not edited by hand. The CSV it writes is
committed; this script is not run in CI.

Usage:
    python scripts/build_reference.py SECTOR_XML [--out data/reference/dac_purpose_codes.csv]

SECTOR_XML is `xml/Sector.xml` from https://github.com/IATI/IATI-Codelists-NonEmbedded (or a
subset of it with the same elements: codelist-item[@status, @activation-date, @withdrawal-date]
with code, name/narrative and category). Codes the OECD added after that codelist version are
appended from data/reference/dac_purpose_codes_supplement.csv.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from xml.etree import ElementTree

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "data" / "reference"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
COLUMNS = ["code", "name", "category", "status", "activation_date", "withdrawal_date", "source"]


def read_codelist(path: Path) -> list[dict[str, str]]:
    """One dict per codelist item, with the English name (the narrative without xml:lang)."""
    root = ElementTree.parse(path).getroot()
    rows = []
    for item in root.iter("codelist-item"):
        names = [n.text or "" for n in item.iterfind("name/narrative") if XML_LANG not in n.attrib]
        rows.append(
            {
                "code": (item.findtext("code") or "").strip(),
                "name": names[0].strip() if names else "",
                "category": (item.findtext("category") or "").strip(),
                "status": item.get("status", "active"),
                "activation_date": item.get("activation-date", ""),
                "withdrawal_date": item.get("withdrawal-date", ""),
                "source": "IATI Sector codelist",
            }
        )
    return rows


def read_supplement(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{**row, "source": "supplement"} for row in csv.DictReader(fh)]


def build(sector_xml: Path, out: Path) -> int:
    """Write the merged list sorted by code; a supplement row never overrides the codelist."""
    rows = {row["code"]: row for row in read_codelist(sector_xml)}
    for row in read_supplement(REFERENCE_DIR / "dac_purpose_codes_supplement.csv"):
        rows.setdefault(row["code"], row)
    bad = [code for code in rows if not (len(code) == 5 and code.isdigit())]
    if bad:
        raise SystemExit(f"not 5-digit purpose codes: {bad}")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[code] for code in sorted(rows))
    return len(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sector_xml", type=Path)
    parser.add_argument("--out", type=Path, default=REFERENCE_DIR / "dac_purpose_codes.csv")
    args = parser.parse_args(argv)
    count = build(args.sector_xml, args.out)
    print(f"wrote {count} purpose codes to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

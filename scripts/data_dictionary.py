"""Write docs/data-dictionary.md from the warehouse catalog, so the dictionary cannot drift.

Every table, view and column carries a COMMENT in screening/sql/schema.sql; this script
creates an empty warehouse in memory and renders those comments as Markdown.
Usage: python scripts/data_dictionary.py [--check]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from generated_doc import write_or_check

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
TARGET = PROJECT / "docs" / "data-dictionary.md"


def render() -> str:
    from screening import warehouse

    with tempfile.TemporaryDirectory() as folder:
        con = warehouse.connect(Path(folder) / "dictionary.duckdb")
        try:
            tables = con.execute(
                "SELECT table_name, comment, 'table' FROM duckdb_tables() "
                "WHERE schema_name = 'main' UNION ALL "
                "SELECT view_name, comment, 'view' FROM duckdb_views() "
                "WHERE schema_name = 'main' AND NOT internal ORDER BY 1"
            ).fetchall()
            columns = con.execute(
                "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                "WHERE schema_name = 'main' ORDER BY table_name, column_index"
            ).fetchall()
            macros = con.execute(
                "SELECT function_name, comment FROM duckdb_functions() "
                "WHERE schema_name = 'main' AND function_type = 'table_macro' "
                "AND NOT internal ORDER BY 1"
            ).fetchall()
        finally:
            con.close()
    lines = [
        "# Data dictionary",
        "",
        "The warehouse's tables, views and table macros, generated from the comments in",
        "`screening/sql/schema.sql` by `scripts/data_dictionary.py` (do not edit by hand).",
        "In SQL: `SELECT * FROM duckdb_columns()` shows the same comments.",
        "",
    ]
    for name, comment, kind in tables:
        lines += [
            f"## `{name}` ({kind})",
            "",
            comment or "",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for table, column, data_type, col_comment in columns:
            if table == name:
                text = (col_comment or "").replace("|", "\\|")
                lines.append(f"| `{column}` | {data_type} | {text} |")
        lines.append("")
    for name, comment in macros:
        lines += [f"## `{name}(...)` (table macro)", "", comment or "", ""]
    return "\n".join(lines)


def main() -> int:
    return write_or_check(TARGET, render(), "--check" in sys.argv)


if __name__ == "__main__":
    sys.exit(main())

"""The published snapshot evaluators query, published in time that does not grow with the warehouse.

Layout, in `published/` beside the warehouse:
- `warehouse.duckdb`, the catalog: the small tables (uploads, rubrics, exchange_rates,
  schema_version) as tables; each table that holds the rows of uploads (projects, findings,
  screening_evidence, ...) as a view of the same name over the parts; the schema's views and
  macros; every comment; and `snapshot_parts`, the parts it reads.
- `parts/*.duckdb`: the rows of one upload in each of those tables (after a compaction, of
  many uploads). A part is written once and never changed.

Publishing writes a part only for an upload that is new, or whose rows changed since the
catalog was published (its screening results: their count and latest `screened_at`, and the
count of its evidence; rows of the other tables never change once loaded), writes a new
catalog beside the old one, and swaps it in with os.replace. So its cost follows what changed,
not the warehouse, and the guarantees of a whole copy hold:
- one consistent state: the warehouse stays open read-only for the whole publish, which locks
  every writer out, so every part and the catalog see the same state;
- atomic swap, readers never blocked: a reader opens the old catalog or the new one; the
  parts it attaches are opened with it, and stay readable to it after they are deleted
  (POSIX). A reader that opened a catalog whose parts were deleted before it attached them
  opens the new catalog instead (`attach_parts`);
- crash-safe: until the swap, the old catalog and its parts are untouched; a crash leaves
  files no catalog names, which the next publish deletes.
One publish at a time (a lock file in parts/): two would delete each other's new parts.
When more than MAX_PARTS parts would be named, the publish writes all uploads into one part:
once every MAX_PARTS uploads, so readers attach a bounded number of files.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

PARTS = "parts"
MANIFEST = "snapshot_parts"
MAX_PARTS = 32
ATTACH_TRIES = 5

# The warehouse's tables, and whether each holds rows of uploads (an upload_id column, and
# not uploads itself): those go into parts, the others (uploads, rubrics, ...) are copied.
TABLES_SQL = """
SELECT t.table_name, t.table_name <> 'uploads' AND EXISTS (
    SELECT 1 FROM duckdb_columns() c
    WHERE c.database_name = t.database_name AND c.table_name = t.table_name
      AND c.column_name = 'upload_id')
FROM duckdb_tables() t
WHERE t.database_name = current_database() AND t.schema_name = 'main'
ORDER BY t.table_name
"""
# What says an upload's rows changed: its screening results and evidence are replaced when it
# is screened again, and removed when a newer upload of its portfolio supersedes them.
FINGERPRINTS_SQL = """
SELECT u.upload_id, concat_ws(':', $schema, coalesce(r.n, 0), r.last, coalesce(e.n, 0))
FROM uploads u
LEFT JOIN (SELECT upload_id, count(*) AS n, max(screened_at) AS last
           FROM screening_results GROUP BY upload_id) r USING (upload_id)
LEFT JOIN (SELECT upload_id, count(*) AS n FROM screening_evidence GROUP BY upload_id) e
    USING (upload_id)
WHERE u.status = 'loaded'
ORDER BY u.upload_id
"""
MANIFEST_SQL = f"""
CREATE TABLE {MANIFEST} (
    upload_id   INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    file        VARCHAR NOT NULL,
    alias       VARCHAR NOT NULL
);
COMMENT ON TABLE {MANIFEST} IS 'Which file under published/parts/ holds the rows of each loaded upload (screening.snapshot); the tables that hold rows of uploads are views over these parts.';
COMMENT ON COLUMN {MANIFEST}.upload_id IS 'The upload (uploads.upload_id).';
COMMENT ON COLUMN {MANIFEST}.fingerprint IS 'What the upload''s rows were when published; a part is written again only when it changes.';
COMMENT ON COLUMN {MANIFEST}.file IS 'The part''s file name under parts/.';
COMMENT ON COLUMN {MANIFEST}.alias IS 'The name the part is attached under, which the views use.';
"""  # noqa: E501


def publish(
    db_con: duckdb.DuckDBPyConnection,
    snapshot_path: Path,
    schema_version: int,
    apply_schema: Callable[[duckdb.DuckDBPyConnection], None],
) -> None:
    """Publish what `db_con` (the warehouse, open read-only) holds to `snapshot_path`.

    `apply_schema` creates the warehouse's schema (tables, views, macros, comments) on a new
    database, of version `schema_version`: the catalog is built from it."""
    parts_dir = snapshot_path.parent / PARTS
    parts_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(parts_dir):
        kinds = db_con.execute(TABLES_SQL).fetchall()
        tables = [table for table, of_uploads in kinds if of_uploads]
        small = [table for table, of_uploads in kinds if not of_uploads]
        fingerprints = dict(
            db_con.execute(FINGERPRINTS_SQL, {"schema": str(schema_version)}).fetchall()
        )
        published = {
            upload_id: (fingerprint, file, alias)
            for upload_id, fingerprint, file, alias in _manifest(snapshot_path, parts_dir)
        }
        kept = {u: published[u] for u, f in fingerprints.items() if published.get(u, ("",))[0] == f}
        changed = [u for u in fingerprints if u not in kept]
        manifest: dict[int, tuple[str, str, str]] = dict(kept)
        if len({file for _, file, _ in kept.values()}) + len(changed) > MAX_PARTS:
            manifest = {}  # compaction: every upload into one part
            changed = list(fingerprints)
            if changed:
                file = _write_part(db_con, parts_dir, tables, changed, "all")
                manifest = {u: (fingerprints[u], file, _alias(file)) for u in changed}
        else:
            for upload_id in changed:
                file = _write_part(db_con, parts_dir, tables, [upload_id], f"u{upload_id}")
                manifest[upload_id] = (fingerprints[upload_id], file, _alias(file))
        tmp = snapshot_path.with_name(f".{snapshot_path.name}.{os.getpid()}.tmp")
        leftovers = (tmp, tmp.with_name(tmp.name + ".wal"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        try:
            _write_catalog(db_con, tmp, parts_dir, tables, small, manifest, apply_schema)
            os.replace(tmp, snapshot_path)
        finally:
            for path in leftovers:
                path.unlink(missing_ok=True)
        named = {file for _, file, _ in manifest.values()}
        for path in parts_dir.glob("*.duckdb*"):
            if path.name.split(".duckdb")[0] + ".duckdb" not in named:
                path.unlink(missing_ok=True)


def attach_parts(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Attach, read-only, the parts a snapshot catalog names; False when one is gone (a newer
    catalog was swapped in meanwhile: open the snapshot again). True for any other database."""
    if not _has_manifest(con):
        return True
    parts_dir = Path(path).parent / PARTS
    for file, alias in con.execute(f"SELECT DISTINCT file, alias FROM {MANIFEST}").fetchall():
        part = parts_dir / file
        try:
            con.execute(f"ATTACH {_sql_string(str(part))} AS {alias} (READ_ONLY)")
        except duckdb.IOException:
            if part.exists():
                raise
            return False
    return True


# --- internals -------------------------------------------------------------------------------


@contextmanager
def _publish_lock(parts_dir: Path) -> Iterator[None]:
    with open(parts_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _manifest(snapshot_path: Path, parts_dir: Path) -> list[tuple]:
    """The parts the published catalog names, those whose file is still there; none when there
    is no catalog, or one from before parts (a whole copy)."""
    if not snapshot_path.exists():
        return []
    try:
        with duckdb.connect(str(snapshot_path), read_only=True) as con:
            if not _has_manifest(con):
                return []
            rows = con.execute(f"SELECT upload_id, fingerprint, file, alias FROM {MANIFEST}")
            return [row for row in rows.fetchall() if (parts_dir / row[2]).exists()]
    except duckdb.Error:
        return []  # unreadable: published again in full


def _has_manifest(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = $name",
            {"name": MANIFEST},
        ).fetchall()[0][0]
    )


def _alias(file: str) -> str:
    return "part_" + file.removesuffix(".duckdb").replace("-", "_")


def _write_part(
    db_con: duckdb.DuckDBPyConnection,
    parts_dir: Path,
    tables: list[str],
    upload_ids: list[int],
    stem: str,
) -> str:
    """Write the rows of `upload_ids` in every table of `tables` to a new part; its file name."""
    file = f"{stem}-{secrets.token_hex(4)}.duckdb"
    path = parts_dir / file
    source = db_con.execute("SELECT current_database()").fetchall()[0][0]
    db_con.execute(f"ATTACH {_sql_string(str(path))} AS new_part (READ_WRITE)")
    try:
        db_con.execute("CREATE TEMP TABLE part_uploads AS SELECT unnest($ids) AS upload_id",
                       {"ids": upload_ids})  # fmt: skip
        for table in tables:
            db_con.execute(
                f"CREATE TABLE new_part.{table} AS SELECT * FROM {_sql_identifier(source)}."
                f"{table} WHERE upload_id IN (SELECT upload_id FROM part_uploads)"
            )
    finally:
        db_con.execute("DROP TABLE IF EXISTS part_uploads")
        db_con.execute("DETACH new_part")
    return file


def _write_catalog(
    db_con: duckdb.DuckDBPyConnection,
    tmp: Path,
    parts_dir: Path,
    tables: list[str],
    small: list[str],
    manifest: dict[int, tuple[str, str, str]],
    apply_schema: Callable[[duckdb.DuckDBPyConnection], None],
) -> None:
    """The catalog at `tmp`: the schema (its views, macros, comments), the `small` tables
    copied, each of `tables` a view over the parts, and the manifest."""
    with duckdb.connect(str(tmp)) as cat:
        apply_schema(cat)
        for table in small:  # as the warehouse has them, whatever the schema put in
            rows = db_con.sql(f"SELECT * FROM {table}").to_arrow_table()  # noqa: F841
            cat.execute(f"DELETE FROM {table}")
            cat.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows")
        files: dict[str, list[int]] = {}
        for upload_id, (_, file, _) in manifest.items():
            files.setdefault(file, []).append(upload_id)
        for file in files:
            cat.execute(
                f"ATTACH {_sql_string(str(parts_dir / file))} AS {_alias(file)} (READ_ONLY)"
            )
        for table in tables if files else []:
            _table_as_view(cat, table, files)
        cat.execute(MANIFEST_SQL)
        if manifest:
            cat.executemany(
                f"INSERT INTO {MANIFEST} VALUES (?, ?, ?, ?)",
                [(u, print_, file, alias) for u, (print_, file, alias) in manifest.items()],
            )
        for file in files:
            cat.execute(f"DETACH {_alias(file)}")
        cat.execute("CHECKPOINT")


def _table_as_view(cat: duckdb.DuckDBPyConnection, table: str, files: dict[str, list[int]]) -> None:
    """Replace `table` by a view of the same name over the parts, keeping its comments."""
    comment = cat.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name = $t",
        {"t": table},
    ).fetchall()[0][0]
    columns = cat.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = "
        "current_database() AND table_name = $t AND comment IS NOT NULL",
        {"t": table},
    ).fetchall()
    selects = []
    for file, upload_ids in files.items():
        select = f"SELECT * FROM {_alias(file)}.{table}"
        if len(upload_ids) > 1:  # a compacted part: only the uploads it is still current for
            select += f" WHERE upload_id IN ({', '.join(str(int(u)) for u in upload_ids)})"
        selects.append(select)
    cat.execute(f"DROP TABLE {table}")
    cat.execute(f"CREATE VIEW {table} AS " + " UNION ALL BY NAME ".join(selects))
    if comment:
        cat.execute(f"COMMENT ON VIEW {table} IS {_sql_string(comment)}")
    for column, text in columns:
        cat.execute(f"COMMENT ON COLUMN {table}.{_sql_identifier(column)} IS {_sql_string(text)}")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

"""The DuckDB warehouse: its schema, one transaction per upload, read-only queries, snapshots.

Why it is shaped this way:
- DuckDB lets one process at a time open a database file for writing, and that writer locks
  every other process out, readers included. So write connections are short (open, one
  transaction, close), and evaluators query a snapshot published after each load
  (`publish_snapshot`), a file no flow ever holds open.
- One upload is one transaction: a crash or a bad frame leaves the warehouse as it was.
- Frames go in through DuckDB's pandas scan (register, then INSERT ... SELECT), never row by row.
- The DDL lives in `sql/schema.sql`, which also documents every column (as catalog comments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from screening import config
from screening.errors import WarehouseBusy, WarehouseError
from screening.rules import FINDING_COLUMNS

SCHEMA_PATH = Path(__file__).resolve().parent / "sql" / "schema.sql"
# Raise with every change to schema.sql, adding to _apply_schema what migrates older warehouses.
SCHEMA_VERSION = 10

# The normalised frame's columns (screening.normalise.PROJECT_COLUMNS; a test keeps them equal).
PROJECT_COLUMNS = [
    "sheet", "row_number", "channel", "project_id", "title", "description", "objectives",
    "indicators", "recipient_country", "recipient_name", "sector_code", "partner", "budget",
    "currency", "start_date", "end_date", "gender_marker", "gam_code", "cluster", "status",
    "description_words", "source", "is_aggregate", "extra", "raw",
]  # fmt: skip
UPLOAD_FIELDS = (
    "file_name", "sha256", "size_bytes", "archive_path", "uploaded_by", "portfolio",
    "chosen_channel",
)  # fmt: skip
ROW_KEY = ["sheet", "row_number"]

# Queries run with no file access besides the warehouse itself (no COPY TO, ATTACH, read_csv,
# INSTALL), locked so a query cannot switch it back on.
QUERY_CONFIG = {"enable_external_access": False, "lock_configuration": True}

# A duplicate: the same content with the same options into the same portfolio, while that
# upload is the portfolio's current version (its latest loaded one). So an upload that loaded
# nothing does not block the file with another channel, and a portfolio reverted to an older
# file (v1, v2, v1) loads v1 again, which makes it current.
DUPLICATE_SQL = """
SELECT * FROM uploads
WHERE sha256 = $sha256 AND portfolio = $portfolio
  AND chosen_channel IS NOT DISTINCT FROM $chosen_channel
  AND upload_id = (SELECT max(upload_id) FROM uploads
                   WHERE portfolio = $portfolio AND status = 'loaded')
"""
RECENT_UPLOADS_SQL = "SELECT * FROM uploads ORDER BY upload_id DESC LIMIT $limit"
HAS_SCHEMA_SQL = """
SELECT count(*) > 0 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'schema_version'
"""
VIEW_COLUMN_SOURCES = {
    "projects_current": "projects",
    "projects_usd": "projects",
    "screening_current": "screening_results",
}
# The table's column comments, for the columns the view has.
TABLE_COMMENTS_SQL = """
SELECT t.column_name, t.comment FROM duckdb_columns() t
JOIN duckdb_columns() v ON v.column_name = t.column_name
WHERE t.database_name = current_database() AND t.schema_name = 'main' AND t.table_name = $table
  AND v.database_name = current_database() AND v.schema_name = 'main' AND v.table_name = $view
"""
UPSERT_RUBRIC_SQL = """
INSERT INTO rubrics VALUES ($rubric_version, $name, $criteria, $now, $now, $rubric_yaml)
ON CONFLICT (rubric_version) DO UPDATE SET last_screened_at = excluded.last_screened_at
"""
DELETE_SCREENED_SQL = """
DELETE FROM {table} WHERE rubric_version = $version
AND ($upload_id IS NULL OR upload_id = $upload_id)
"""
# A portfolio's current projects before a new version of it loads, and those of them that are
# not current once it has (left out of, or rejected in, the new version).
PORTFOLIO_BEFORE_SQL = """
CREATE OR REPLACE TEMP TABLE portfolio_before AS
SELECT channel, project_id FROM projects_current
WHERE upload_id IN (SELECT upload_id FROM uploads WHERE portfolio = $portfolio)
"""
NO_LONGER_CURRENT_SQL = """
SELECT count(*) FROM (
    SELECT channel, project_id FROM portfolio_before
    EXCEPT SELECT channel, project_id FROM projects_current
)
"""
DELETE_SUPERSEDED_SQL = """
DELETE FROM {table} t WHERE NOT EXISTS (
    SELECT 1 FROM projects_current p
    WHERE p.upload_id = t.upload_id AND p.sheet = t.sheet AND p.row_number = t.row_number)
"""


def connect(
    db_path: Path,
    read_only: bool = False,
    *,
    config: Mapping[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable open creates it and brings its schema up to date.

    Close the connection soon (use it in a `with` block): while it is open, no other process
    can write, and while a writable one is open, no other process can even read.
    `config` is passed to DuckDB (`query` uses it to shut off file access).
    """
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseError(
            f"There is no warehouse at {db_path} yet; ingest a portfolio first, then ask again."
        )
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = _open(db_path, read_only, dict(config or {}))
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise WarehouseError(f"Cannot open the warehouse {db_path}: {exc}") from exc
        if read_only:
            raise WarehouseBusy(
                f"Another process is writing to the warehouse {db_path}; try again when it has "
                "finished, or query the published snapshot, which is never locked."
            ) from exc
        raise WarehouseBusy(
            f"Another process has the warehouse {db_path} open (a flow writing, or someone "
            "reading it directly); try again in a moment."
        ) from exc
    except duckdb.Error as exc:
        raise WarehouseError(f"Cannot open the warehouse {db_path}: {exc}") from exc
    if not read_only:
        try:
            _apply_schema(con)
        except BaseException:
            con.close()
            raise
    return con


# Settings that take file access away: applied once a snapshot's parts are attached.
_LOCKDOWN = ("enable_external_access", "lock_configuration")


def _open(db_path: Path, read_only: bool, settings: dict) -> duckdb.DuckDBPyConnection:
    """duckdb.connect; read-only, with the parts of a published snapshot attached
    (`screening.snapshot`) before `_LOCKDOWN` settings switch file access off."""
    from screening import snapshot

    lockdown = {key: settings.pop(key) for key in _LOCKDOWN if key in settings}
    for _ in range(snapshot.ATTACH_TRIES):
        con = duckdb.connect(str(db_path), read_only=read_only, config=settings)
        try:
            if not read_only or snapshot.attach_parts(con, db_path):
                for key, value in lockdown.items():
                    con.execute(f"SET {key} = {_sql_literal(value)}")
                return con
        except BaseException:
            con.close()
            raise
        con.close()  # a newer snapshot was swapped in while this one was opened: open it
    raise WarehouseBusy(f"The snapshot {db_path} kept changing while it was opened; try again.")


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _sql_string(str(value))


def find_duplicate(db_path: Path, upload: Mapping[str, object]) -> dict | None:
    """The upload this one would repeat, or None.

    `upload` has file_name, sha256, and optionally portfolio and chosen_channel. A duplicate
    is the same content (sha256) with the same chosen channel into the same portfolio, when
    that earlier upload is the portfolio's current version (its latest loaded upload).
    """
    if not Path(db_path).exists():
        return None
    with connect(db_path, read_only=True) as con:
        return _duplicate(con, _upload_fields(upload))


def load_upload(
    db_path: Path,
    upload: Mapping[str, object],
    rows: pd.DataFrame,
    projects: pd.DataFrame,
    findings: pd.DataFrame,
    *,
    rows_merged: int = 0,
    crs_lines: pd.DataFrame | None = None,
    columns: pd.DataFrame | None = None,
) -> dict:
    """Load one upload in one transaction; return its `uploads` row with a `duplicate` flag.

    `upload` has file_name, sha256, size_bytes, archive_path, uploaded_by, and optionally
    portfolio and chosen_channel (the channel the uploader chose). `rows` is every line
    read (with `skip_rule` and `raw`), `projects` the normalised non-skipped rows, `findings`
    every finding. A project row with an error finding is rejected, a row with a skip_rule is
    skipped, the rest load. `rows_merged` counts read lines folded into another project row
    (CRS yearly lines); it must be said, so that a row lost on the way is never taken for one.
    `crs_lines`, for a CRS extract, are its yearly lines as read (table `crs_lines`);
    `columns`, each column of each sheet read with the field it was recognised as
    (`ReadResult.columns`, table `upload_columns`).

    If it repeats an upload (`find_duplicate`), nothing is written and that upload is returned
    with `duplicate: True`. Otherwise `no_longer_current` counts the projects of its portfolio that
    were current before and are not now (left out of, or rejected in, this version, and held
    by no other portfolio).
    Raises ValueError when the frames break the counting invariant (a bug upstream),
    WarehouseError when the warehouse refuses the write (it is then unchanged).
    """
    split = _split(rows, projects, findings, rows_merged)
    if crs_lines is not None:
        split.frames["crs_lines"] = crs_lines
    if columns is not None:
        split.frames["upload_columns"] = columns
    record = {
        **_upload_fields(upload),
        "status": "loaded",
        "channel": ",".join(sorted(projects["channel"].dropna().unique())) or None,
        **split.counts,
    }
    with _write(db_path, f'"{upload["file_name"]}" was not loaded') as con:
        earlier = _duplicate(con, record)
        if earlier is not None:
            return {**earlier, "duplicate": True}
        con.execute(PORTFOLIO_BEFORE_SQL, {"portfolio": record["portfolio"]})
        row = _insert_upload(con, record)
        for table, frame in split.frames.items():
            _insert_frame(con, table, frame.assign(upload_id=row["upload_id"]))
        dropped = _one(con.execute(NO_LONGER_CURRENT_SQL))
        con.execute("DROP TABLE portfolio_before")
    return {**row, "duplicate": False, "no_longer_current": dropped}


def record_refusal(db_path: Path, upload: Mapping[str, object], rule: str, message: str) -> dict:
    """Record a refused upload: an `uploads` row with its rule and message, nothing else."""
    record = {**_upload_fields(upload), "status": "refused", "rule": rule, "message": message}
    with _write(db_path, f'The refusal of "{upload["file_name"]}" was not recorded') as con:
        return _insert_upload(con, record)


def recent_uploads(db_path: Path, limit: int = 20) -> pd.DataFrame:
    """The latest uploads, newest first (for `screening status`)."""
    with connect(db_path, read_only=True) as con:
        return con.execute(RECENT_UPLOADS_SQL, {"limit": limit}).df()


def query(
    db_path: Path, sql: str, params: Sequence[object] | Mapping[str, object] | None = None
) -> pd.DataFrame:
    """Run SQL on a read-only connection with no file access, so that it cannot write.

    `params` fill `?` or `$name` placeholders (values never pasted into the SQL). Evaluators
    should point it at the published snapshot, so that a query never waits on, or blocks, a flow.
    """
    with reader(db_path) as run:
        return run(sql, params)


@contextmanager
def reader(db_path: Path) -> Iterator[Callable[..., pd.DataFrame]]:
    """`query` for several queries on one read-only connection: they all see one state of the
    warehouse, even if a new snapshot is published meanwhile (a report's sheets agree)."""
    with connect(db_path, read_only=True, config=QUERY_CONFIG) as con:
        yield partial(_run_query, con)


_ATTACHING = (duckdb.StatementType.ATTACH, duckdb.StatementType.DETACH)


def _run_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object] | Mapping[str, object] | None = None,
) -> pd.DataFrame:
    if not sql.strip():
        raise WarehouseError(
            "The query is empty; give a SQL statement such as SELECT * FROM uploads."
        )
    try:
        # The snapshot's parts are attached before file access is switched off, and DuckDB
        # would let a query detach one and attach it again for writing.
        if any(s.type in _ATTACHING for s in con.extract_statements(sql)):
            raise WarehouseError(
                "Queries are read-only: they can SELECT from the warehouse but not attach or "
                "detach databases."
            )
        result = con.execute(sql, params)
        if result.description is None:  # a statement that returns no rows
            return pd.DataFrame()
        return result.df()
    except duckdb.Error as exc:
        if "read-only" in str(exc):
            raise WarehouseError(
                f"Queries are read-only: they can SELECT from the warehouse but not change "
                f"it ({exc})."
            ) from exc
        raise WarehouseError(f"The query failed: {exc}") from exc


def publish_snapshot(db_path: Path, snapshot_path: Path) -> Path:
    """Publish the warehouse as the snapshot evaluators query, replacing the old one atomically.

    Only what changed since the last publish is written (`screening.snapshot`), so publishing
    takes the time of the upload, not of the warehouse. Opening the warehouse read-only means
    publishing cannot change it, and locks writers out meanwhile: one consistent state.
    """
    from screening import snapshot

    snapshot_path = Path(snapshot_path)
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with connect(db_path, read_only=True) as con:
            snapshot.publish(con, snapshot_path, SCHEMA_VERSION, _apply_schema)
    except duckdb.Error as exc:
        raise WarehouseError(f"The snapshot {snapshot_path} was not published: {exc}") from exc
    return snapshot_path


def current_projects(db_path: Path, upload_id: int | None = None) -> pd.DataFrame:
    """The current projects (`projects_current`), all of them or those of one upload."""
    with connect(db_path, read_only=True) as con:
        return con.execute(
            "SELECT * FROM projects_current WHERE $upload_id IS NULL OR upload_id = $upload_id "
            "ORDER BY upload_id, sheet, row_number",
            {"upload_id": upload_id},
        ).df()


def store_screening(
    db_path: Path,
    results: pd.DataFrame,
    evidence: pd.DataFrame,
    rubric: Mapping[str, Any],
    rates: pd.DataFrame,
    upload_id: int | None = None,
) -> dict:
    """Store screening results and evidence in one transaction; return counts by flag.

    `rubric` has rubric_version, name, criteria, rubric_yaml, and benchmarks (the rubric's
    list, which replaces the `benchmarks` table). With `upload_id`, the results of
    that upload's rows under this rubric are replaced; without, all results under this rubric
    are (a rescreen). Results of project rows that a newer upload superseded are removed, so
    `screening_results` holds current projects only. `rates` refresh `exchange_rates`.
    """
    version = rubric["rubric_version"]
    now = datetime.now(UTC).replace(tzinfo=None)
    scope = {"version": version, "upload_id": upload_id}
    record = {key: rubric[key] for key in ("rubric_version", "name", "criteria", "rubric_yaml")}
    benchmarks = pd.DataFrame(
        [
            {"benchmark_id": b["id"], "label": b["label"], "share": float(b["share"]),
             "scope": b.get("scope"), "levels": b.get("levels"),
             "purpose_codes": b.get("purpose_codes")}
            for b in rubric.get("benchmarks") or ()
        ],
        columns=["benchmark_id", "label", "share", "scope", "levels", "purpose_codes"],
    )  # fmt: skip
    with _write(db_path, "The screening results were not stored") as con:
        con.execute(UPSERT_RUBRIC_SQL, {**record, "now": now})
        con.execute("DELETE FROM benchmarks")
        _insert_frame(con, "benchmarks", benchmarks)
        con.execute("DELETE FROM exchange_rates")
        _insert_frame(con, "exchange_rates", rates)
        for table in ("screening_results", "screening_evidence"):
            con.execute(DELETE_SCREENED_SQL.format(table=table), scope)
        _insert_frame(con, "screening_results", results.assign(screened_at=now))
        _insert_frame(con, "screening_evidence", evidence.assign(rubric_version=version))
        for table in ("screening_results", "screening_evidence"):
            con.execute(DELETE_SUPERSEDED_SQL.format(table=table))
        flags = con.execute(
            "SELECT marker_flag, count(*) FROM screening_results WHERE rubric_version = $version "
            "AND ($upload_id IS NULL OR upload_id = $upload_id) GROUP BY 1",
            scope,
        ).fetchall()
    return {
        "rubric_version": version,
        "screened": len(results),
        "evidence": len(evidence),
        "flags": dict(flags),
    }


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a whole frame through DuckDB's pandas scan; BY NAME matches its columns to the
    table's, so column order does not matter."""
    con.register("incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    finally:
        con.unregister("incoming")


# --- internals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Split:
    """An upload's frames, split by fate, ready to insert, with the counts for `uploads`."""

    frames: dict[str, pd.DataFrame]  # table name -> frame with that table's columns
    counts: dict[str, int]


def _split(
    rows: pd.DataFrame, projects: pd.DataFrame, findings: pd.DataFrame, rows_merged: int
) -> _Split:
    """Classify every row read as loaded, rejected or skipped, and check that none is lost.

    Checked before the warehouse is opened: keys are unique, each project row is a read,
    non-skipped row, each error names a project row, and rows read = loaded + rejected +
    skipped + merged. A failure is a bug in an earlier stage, so it raises ValueError.
    """
    _require_columns("rows", rows, [*ROW_KEY, "skip_rule", "raw"])
    _require_columns("projects", projects, PROJECT_COLUMNS)
    _require_columns("findings", findings, FINDING_COLUMNS)
    row_keys = pd.MultiIndex.from_frame(rows[ROW_KEY])
    project_keys = pd.MultiIndex.from_frame(projects[ROW_KEY])
    for name, keys in (("rows", row_keys), ("projects", project_keys)):
        if keys.has_duplicates:
            dup = keys[keys.duplicated()][0]
            raise ValueError(f"{name} has sheet {dup[0]!r} row {dup[1]} more than once")

    skip = rows["skip_rule"].notna().to_numpy()
    stray = ~project_keys.isin(row_keys[~skip])
    if stray.any():
        key = project_keys[stray][0]
        raise ValueError(f"project sheet {key[0]!r} row {key[1]} is not a non-skipped row read")

    errors = findings[findings["severity"] == "error"]
    error_keys = pd.MultiIndex.from_frame(errors[ROW_KEY])
    orphan = ~error_keys.isin(project_keys)
    if orphan.any():
        key = error_keys[orphan][0]
        raise ValueError(f"an error names sheet {key[0]!r} row {key[1]}, which is no project row")

    rejected = project_keys.isin(error_keys)
    counts = {
        # Lines merged into another line's project (CRS years) are read but not in `rows`.
        "rows_read": len(rows) + rows_merged,
        "rows_loaded": int((~rejected).sum()),
        "rows_rejected": int(rejected.sum()),
        "rows_skipped": int(skip.sum()),
        "rows_merged": rows_merged,
        "warnings": int((findings["severity"] == "warning").sum()),
    }
    accounted = len(projects) + counts["rows_skipped"] + rows_merged
    if accounted != counts["rows_read"]:
        raise ValueError(
            f"{counts['rows_read']} rows read but {accounted} accounted for (loaded, rejected, "
            f"skipped, merged: {counts}); a row was lost on the way, or rows_merged is wrong"
        )

    skip_messages = findings.loc[
        findings["severity"] == "skip", [*ROW_KEY, "message"]
    ].drop_duplicates(ROW_KEY)
    skipped = (
        rows.loc[skip, [*ROW_KEY, "skip_rule", "raw"]]
        .rename(columns={"skip_rule": "rule"})
        .merge(skip_messages, on=ROW_KEY, how="left")
    )
    return _Split(
        frames={
            "projects": projects.loc[~rejected, PROJECT_COLUMNS],
            "rejected_rows": errors.merge(projects[[*ROW_KEY, "raw"]], on=ROW_KEY),
            "skipped_rows": skipped,
            "findings": findings[FINDING_COLUMNS],
        },
        counts=counts,
    )


def _require_columns(name: str, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks columns {missing}")


def _upload_fields(upload: Mapping[str, object]) -> dict:
    """The caller's facts about the file, plus when it is recorded (naive UTC, as stored)."""
    fields = {key: upload.get(key) for key in UPLOAD_FIELDS}
    if fields["archive_path"] is not None:
        fields["archive_path"] = str(fields["archive_path"])
    fields["portfolio"] = portfolio_name(str(fields["portfolio"] or fields["file_name"]))
    return {**fields, "uploaded_at": datetime.now(UTC).replace(tzinfo=None)}


def portfolio_name(name: str) -> str:
    """The portfolio a file is a version of, from a name given when uploading or the file name:
    without a portfolio file extension, spaces collapsed, lower case.

    Why the file name: a desk officer who corrects a workbook uploads it again under the same
    name, and that new version must supersede the old one; files named differently stay
    separate portfolios unless the uploader names one (``--portfolio``).
    """
    stem = Path(name).name
    while Path(stem).suffix.lower() in config.PORTFOLIO_SUFFIXES:
        stem = stem[: -len(Path(stem).suffix)]
    return " ".join(stem.split()).casefold() or "unnamed"


@cache
def _schema_sql() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


def _apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing and record the version; refuse a warehouse from a newer tool."""
    found = 0
    if _one(con.execute(HAS_SCHEMA_SQL)):
        found = _one(con.execute("SELECT coalesce(max(version), 0) FROM schema_version"))
    if found > SCHEMA_VERSION:
        raise WarehouseError(
            f"The warehouse has schema version {found}, newer than this tool knows "
            f"({SCHEMA_VERSION}); upgrade the tool before writing to it."
        )
    if found == SCHEMA_VERSION:
        return
    with _transaction(con):
        con.execute(_schema_sql())
        # Uploads from before schema 6 get the portfolio their file name gives.
        unnamed = con.execute("SELECT upload_id, file_name FROM uploads WHERE portfolio IS NULL")
        if named := [(portfolio_name(name), upload_id) for upload_id, name in unnamed.fetchall()]:
            con.executemany("UPDATE uploads SET portfolio = ? WHERE upload_id = ?", named)
        # Views that pass a table's columns through take those columns' comments from the
        # table, rather than repeating them in schema.sql.
        for view, table in VIEW_COLUMN_SOURCES.items():
            for column, comment in con.execute(
                TABLE_COMMENTS_SQL, {"view": view, "table": table}
            ).fetchall():
                con.execute(
                    f"COMMENT ON COLUMN {view}.{_sql_identifier(column)} IS {_sql_string(comment)}"
                )
        con.execute(
            "INSERT INTO schema_version VALUES ($version, $applied_at)",
            {"version": SCHEMA_VERSION, "applied_at": datetime.now(UTC).replace(tzinfo=None)},
        )


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception, so a failure writes nothing."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


@contextmanager
def _write(db_path: Path, failure: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write: open, one transaction, close. DuckDB errors become WarehouseError."""
    with connect(db_path) as con:
        try:
            with _transaction(con):
                yield con
        except duckdb.Error as exc:
            raise WarehouseError(f"{failure}; the warehouse is unchanged: {exc}") from exc


def _insert_upload(con: duckdb.DuckDBPyConnection, record: Mapping[str, object]) -> dict:
    """Insert an `uploads` row (keys are our own column names) and return it as stored."""
    columns = ", ".join(record)
    values = ", ".join(f"${name}" for name in record)
    sql = f"INSERT INTO uploads ({columns}) VALUES ({values}) RETURNING *"
    row = _fetch_dict(con.execute(sql, dict(record)))
    assert row is not None  # RETURNING always gives the inserted row
    return row


def _duplicate(con: duckdb.DuckDBPyConnection, record: Mapping[str, object]) -> dict | None:
    keys = ("sha256", "portfolio", "chosen_channel")
    return _fetch_dict(con.execute(DUPLICATE_SQL, {key: record[key] for key in keys}))


def _one(cursor: duckdb.DuckDBPyConnection) -> Any:
    """The single value a query that always returns one row returns."""
    row = cursor.fetchone()
    assert row is not None, "the query returned no row"
    return row[0]


def _fetch_dict(cursor: duckdb.DuckDBPyConnection) -> dict | None:
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

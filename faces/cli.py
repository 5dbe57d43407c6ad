"""`screening`: the command line. The only module that turns domain errors into messages.

Heavy libraries (Prefect, Great Expectations, DuckDB) are imported inside the commands so
that `screening --help` answers at once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from faces.outcome import UploadOutcome
from screening import config
from screening.errors import ScreeningError
from screening.vocabulary import CHANNELS

app = typer.Typer(
    pretty_exceptions_enable=False,
    help=(
        "Screen aid portfolios for Women, Peace and Security (UNSCR 1325) and gender equality.\n\n"
        "Ingest desk officers' workbooks into a DuckDB warehouse, then query it.\n\n"
        "Example: screening ingest data/samples/portfolio_multi_sheet.xlsx"
    ),
    no_args_is_help=True,
    add_completion=False,
)

FILE_KINDS = "an .xlsx, .xlsm, .xls or .csv portfolio, an OECD CRS extract or an IATI .xml file"


# The channels as command-line choices; their one home is screening.vocabulary.
Channel = StrEnum("Channel", {name: name for name in CHANNELS})  # type: ignore[misc]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The DuckDB warehouse. Default: $SCREENING_DB, else data/warehouse.duckdb.",
        show_default=False,
    ),
]


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _portfolio_files(paths: list[Path]) -> list[Path]:
    """The files to ingest: each path given, and the portfolio files inside a folder given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if config.is_portfolio_file(p))
        elif path.is_file():
            files.append(path)
        else:
            _fail(f"{path} does not exist; give the path of {FILE_KINDS}.", 2)
    if not files:
        _fail(f"no portfolio files in the folders given; expected {FILE_KINDS}.", 2)
    return files


def _quiet_prefect() -> None:
    """Prefect logs a failed task with its traceback; the CLI says what went wrong in one
    sentence instead (SCREENING_DEBUG=1 keeps Prefect's logs)."""
    import logging
    import os

    if not os.environ.get("SCREENING_DEBUG"):
        for name in ("prefect.task_runs", "prefect.flow_runs"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _writer_limit(own_api: bool | None = None) -> None:
    """On Prefect's ephemeral API, or the temporary one this command started (`own_api`),
    create the `duckdb-writer` limit the flows hold; on a server it is `screening up`'s to
    create, and its absence an error."""
    import os

    if own_api if own_api is not None else not os.environ.get("PREFECT_API_URL"):
        from flows.writer import ensure_writer_limit

        ensure_writer_limit()


@app.callback()
def _attach_to_server() -> None:
    # When `screening up` runs under this PREFECT_HOME, every command talks to its server
    # instead of starting Prefect's ephemeral API (set before Prefect is imported).
    import os

    if not os.environ.get("PREFECT_API_URL"):
        from flows.server import running

        if state := running():
            os.environ["PREFECT_API_URL"] = state["api_url"]


def _start_prefect(validating: bool) -> bool:
    """Start Prefect's temporary API server first, if Prefect would start one, and import
    Prefect and the stages (and, when `validating`, Great Expectations) while it boots; see
    flows/api.py. The server must answer before a flow starts. True when this command runs on
    an API of its own (no server configured)."""
    from flows.api import start_api_server

    server = start_api_server()
    if server is None:
        return False
    import flows.ingest  # noqa: F401 - Prefect, pandas, DuckDB: imported meanwhile

    if validating:
        from screening.validate import warm_up

        warm_up()
    try:
        server.wait()
    except ScreeningError as error:
        _fail(str(error))
    return True


def _print_upload(outcome: UploadOutcome, db: Path, name: str | None = None) -> None:
    """What an upload did: refused and why (on stderr), or its counts, then a problem of a
    whole sheet said once, the columns read as what, the rows not loaded with the reason,
    warnings and skipped lines grouped by rule. An upload that loaded nothing goes to stderr
    too: it is not a success."""
    from faces.outcome import detail_lines, upload_details

    if outcome.refused:
        typer.echo(f"{name or outcome.file_name}: refused. {outcome.message}", err=True)
        return
    err = outcome.loaded_nothing
    first, *more = outcome.lines(name)
    typer.echo(first, err=err)
    for line in more:
        typer.echo(f"  {line}", err=err)
    if outcome.duplicate or outcome.upload_id is None:
        return
    try:
        details = upload_details(outcome.upload_id, db)
    except ScreeningError as error:
        typer.echo(f"  The details could not be listed now ({error}).")
        return
    for line in detail_lines(details):
        typer.echo(f"  {line}", err=err)


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Portfolio files (.xlsx, .xlsm, .xls, .csv, CRS extracts, IATI .xml), or folders."
        ),
    ],
    channel: Annotated[
        Channel | None,
        typer.Option(help="The channel of rows whose sheet or columns do not say it."),
    ] = None,
    db: DbOption = None,
    portfolio: Annotated[
        str | None,
        typer.Option(
            help="What the file is a new version of (default: its file name, without extension "
            "or case). The newest upload of a portfolio supersedes the older ones: a project "
            "it no longer holds is no longer current. One file at a time."
        ),
    ] = None,
    submit: Annotated[
        bool,
        typer.Option(
            "--submit",
            help="Run each file on the workers of the running Prefect server (`screening up`, "
            "or PREFECT_API_URL) through the ingest-portfolio deployment, all at once, and "
            "wait for them; the files must be where the workers can read them.",
        ),
    ] = False,
    feedback: Annotated[
        bool,
        typer.Option(
            "--feedback",
            help="Also write each file back with every rejected or warned cell marked and "
            "commented, beside it as '<name> - feedback.xlsx' (see `screening feedback`).",
        ),
    ] = False,
) -> None:
    """Load portfolio workbooks into the warehouse, and say what loaded and what did not.

    Each file is archived, read, validated and loaded in one transaction through the Prefect
    flow `ingest_portfolio`. Rows that break a rule are kept in `rejected_rows` with the
    reason. OECD CRS extracts and IATI activity files are read as portfolios too. Exits 1
    when a file was refused as a whole, loaded no project at all, or could not be
    processed; the other files are still ingested.

    Uploading the same file again with the same channel and portfolio is recognised and not
    loaded twice; with another --channel or --portfolio it is a new version.

    A file is a version of a portfolio, by default the one its file name gives: upload a
    corrected workbook under the same name (or name the portfolio with --portfolio) and it
    supersedes the earlier one in projects_current.

    With a running `screening up`, the flow is recorded on its server; with --submit it runs
    on the server's workers.

    Example: screening ingest my-portfolio.xlsx --channel bilateral
    """
    import os

    files = _portfolio_files(paths)
    if submit and not os.environ.get("PREFECT_API_URL"):
        _fail("--submit needs a running Prefect server: start one with `screening up`.")
    if portfolio is not None and len(files) > 1:
        _fail(
            f"--portfolio names the portfolio of one file, but {len(files)} files were given: "
            "each would supersede the one before. Ingest them one at a time."
        )
    db_path = db or config.default_db_path()
    options = {"channel": channel.value if channel else None, "portfolio": portfolio}
    own_api = False if submit else _start_prefect(validating=True)
    _quiet_prefect()
    outcomes: Iterable[tuple[dict | None, ScreeningError | None]]
    if submit:
        outcomes = _submitted(files, db_path, options)
    else:
        from flows.ingest import ingest_portfolio

        _writer_limit(own_api)
        outcomes = (
            _outcome(lambda p=path: ingest_portfolio(str(p), db=str(db_path), **options))
            for path in files
        )
    failed = 0
    for path, (summary, error) in zip(files, outcomes, strict=True):
        if summary is None:
            failed += 1
            typer.echo(f"{path.name}: not ingested. {error}", err=True)
            continue
        outcome = UploadOutcome.of(summary)
        failed += outcome.refused or outcome.loaded_nothing
        _print_upload(outcome, db_path, path.name)
        if feedback and outcome.upload_id is not None and not outcome.refused:
            _write_feedback(outcome.upload_id, db_path, path.with_name(
                _feedback_name(path.name)))  # fmt: skip
    if failed:
        raise typer.Exit(1)


def _outcome(run) -> tuple[dict | None, ScreeningError | None]:
    try:
        return run(), None
    except ScreeningError as error:
        return None, error


def _submitted(
    files: list[Path], db: Path, options: dict
) -> list[tuple[dict | None, ScreeningError | None]]:
    """Submit every file to the ingest-portfolio deployment at once; wait for them all."""
    import contextvars
    import getpass
    from concurrent.futures import ThreadPoolExecutor

    from flows.deploy import ingest_on_server

    def run(path: Path) -> tuple[dict | None, ScreeningError | None]:
        return _outcome(
            lambda: ingest_on_server(
                path.resolve(), {**options, "db": db.resolve(), "uploaded_by": getpass.getuser()}
            )
        )

    typer.echo(f"Submitted {len(files)} file(s) to the workers; waiting for them.")
    contexts = [contextvars.copy_context() for _ in files]  # Prefect's settings, in each thread
    with ThreadPoolExecutor(max_workers=min(8, len(files))) as pool:
        return list(pool.map(lambda c, f: c.run(run, f), contexts, files))


def _feedback_name(file_name: str) -> str:
    from faces.feedback import feedback_file_name

    return feedback_file_name(file_name)


def _write_feedback(upload_id: int, db: Path, out: Path) -> None:
    from faces.feedback import write_feedback

    try:
        written = write_feedback(config.readable_db(db), upload_id, out)
    except ScreeningError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"The feedback workbook could not be written to {out}: {error.strerror}.")
    typer.echo(f"  Feedback workbook: {written}")


@app.command()
def feedback(
    upload_id: Annotated[int, typer.Argument(help="The upload (see `screening status`).")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write it (.xlsx). Default: '<file name> - feedback.xlsx' in the "
            "current folder.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a desk officer's file back with every problem marked on its cell.

    The workbook is the uploaded file itself, each rejected or warned cell coloured (red:
    row not loaded; yellow: loaded with a warning; grey: not a project) with a comment
    saying why; an Issues sheet lists every finding with a link to its cell, and a
    Screening sheet says how each loaded project was screened. Correct the cells and
    upload the file again under the same name.

    Example: screening feedback 3 --out uganda-feedback.xlsx
    """
    from screening.feedback import upload_feedback

    db_path = db or config.default_db_path()
    if out is None:
        try:
            upload = upload_feedback(config.readable_db(db_path), upload_id).upload
        except ScreeningError as error:
            _fail(str(error))
        out = Path(_feedback_name(upload["file_name"]))
    if out.suffix.lower() != ".xlsx":
        _fail(f"{out} does not end in .xlsx; give a path such as feedback.xlsx.")
    _write_feedback(upload_id, db_path, out)


class Language(StrEnum):
    en = "en"
    da = "da"


@app.command()
def template(
    lang: Annotated[
        Language, typer.Option("--lang", help="The headers' language: en or da (Danish).")
    ] = Language.en,
    channel: Annotated[
        Channel | None,
        typer.Option(
            help="A template for one channel (a sheet named after it); default: every "
            "channel, with a Channel column."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write it (.xlsx). Default: portfolio-template-<channel>-<lang>.xlsx.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write an empty portfolio workbook that loads without a finding once filled in.

    The canonical headers (required ones in orange, each with a comment saying what it
    holds), drop-down lists for channel, country, DAC purpose code, currency, gender marker,
    GAM code and status, an Instructions sheet and an example project.

    Example: screening template --lang da --channel humanitarian
    """
    from faces.template import template_file_name, write_template

    target = out or Path(template_file_name(lang.value, channel.value if channel else None))
    if target.suffix.lower() != ".xlsx":
        _fail(f"{target} does not end in .xlsx; give a path such as template.xlsx.")
    try:
        written = write_template(target, lang.value, channel.value if channel else None)
    except OSError as error:
        _fail(f"The template could not be written to {target}: {error.strerror}.")
    typer.echo(f"Wrote {written}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query; the warehouse is opened read-only.")],
    db: DbOption = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help=(
                "table, csv, or json (an array of row objects). In csv, text starting with "
                "=, +, -, @, a tab or a carriage return gets a leading ' so that Excel does "
                "not run it as a formula (see --raw)."
            ),
        ),
    ] = OutputFormat.table,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help=(
                "With --format csv: write text exactly as stored, without the leading '. "
                "Dangerous: a spreadsheet opening the file runs cells such as =HYPERLINK(...) "
                "as formulas (CSV injection). Only for programs that read the CSV."
            ),
        ),
    ] = False,
) -> None:
    """Run a read-only SQL query against the warehouse.

    Reads the snapshot published after each upload (data/published/), so a query never
    waits on a running flow. Tables: see docs/data-dictionary.md.

    With --format csv, text cells (and column names) that start with =, +, -, @, a tab or a
    carriage return are written with a leading ' so that Excel shows them as text instead
    of running them as formulas; numbers are written as they are. --raw writes the text
    exactly as stored, for programs, never for a spreadsheet.

    Example: screening query "SELECT channel, count(*) FROM projects_current GROUP BY 1"
    """
    from faces.export import neutralise_formulas
    from screening import warehouse

    try:
        frame = warehouse.query(config.readable_db(db or config.default_db_path()), sql)
    except ScreeningError as error:
        _fail(str(error))
    if output is OutputFormat.json:
        typer.echo(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    elif output is OutputFormat.csv:
        (frame if raw else neutralise_formulas(frame)).to_csv(sys.stdout, index=False)
    else:
        typer.echo(frame.to_string(index=False) if len(frame) else "(no rows)")


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


@app.command()
def export(
    table: Annotated[
        str,
        typer.Argument(
            help="A table or view: uploads, projects, projects_current, rejected_rows, "
            "screening_current, summary_pillars, ... (docs/data-dictionary.md)."
        ),
    ],
    output: Annotated[
        ExportFormat,
        typer.Option("--format", help="csv (for people), parquet (for programs) or xlsx."),
    ] = ExportFormat.csv,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write it. Default: TABLE.FORMAT in the current folder.",
            show_default=False,
        ),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="With csv: text exactly as stored, without the leading ' that stops a "
            "spreadsheet from running =HYPERLINK(...) as a formula. For programs only.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write a whole table or view of the warehouse to a file, to hand on.

    Reads the published snapshot, like `screening query`. In csv, text that starts with =,
    +, -, @, a tab or a carriage return gets a leading ' (see --raw); in xlsx, text is
    always written as text; parquet keeps every value and type exactly as stored.

    Example: screening export summary_pillars --format xlsx --out pillars.xlsx
    """
    from faces.export import export_table

    target = out or Path(f"{table}.{output.value}")
    try:
        rows = export_table(
            config.readable_db(db or config.default_db_path()), table, output.value, target, raw
        )
    except ScreeningError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{target} could not be written: {error.strerror}.")
    typer.echo(f"Wrote {target} ({rows:,} rows of {table}).")


STATUS_COLUMNS = {
    "upload_id": "upload", "uploaded_at": "when", "file_name": "file", "portfolio": "portfolio",
    "channel": "channel", "status": "status", "rows_read": "read", "rows_loaded": "loaded",
    "rows_rejected": "rejected", "rows_skipped": "skipped", "rows_merged": "merged",
    "warnings": "warnings",
}  # fmt: skip


@app.command()
def status(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="How many uploads to list.", min=1)] = 20,
) -> None:
    """List recent uploads with their counts of rows read, loaded, rejected and skipped; what
    waits in the inbox; when the snapshot was published; and, with a running Prefect server
    (`screening up`), its deployments with their last and next runs.

    Example: screening status --limit 5
    """
    from screening import warehouse

    db_path = db or config.default_db_path()
    try:
        frame = warehouse.recent_uploads(config.readable_db(db_path), limit)
    except ScreeningError as error:
        if config.readable_db(db_path).exists():
            _fail(str(error))
        frame = None  # no warehouse yet: the rest of the status still helps
    if frame is None or frame.empty:
        typer.echo("No uploads yet.")
    else:
        frame["uploaded_at"] = frame["uploaded_at"].dt.strftime("%Y-%m-%d %H:%M")
        # A snapshot published by an older version may lack newer columns (portfolio).
        frame = frame[[c for c in STATUS_COLUMNS if c in frame]].rename(columns=STATUS_COLUMNS)
        typer.echo(frame.fillna("").to_string(index=False))
        if (frame["status"] == "refused").any():
            typer.echo(
                'Why a file was refused: screening query "SELECT file_name, message FROM '
                "uploads WHERE status = 'refused'\""
            )
    _system_status(db_path)


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def _system_status(db_path: Path) -> None:
    """The inbox, the snapshot, and the server's deployments (when one runs)."""
    import os
    from datetime import UTC, datetime

    typer.echo("")
    inbox = config.inbox_dir()
    waiting = sum(map(config.is_portfolio_file, inbox.iterdir())) if inbox.is_dir() else 0
    typer.echo(f"Inbox {inbox}: {waiting} file(s) waiting.")
    snapshot = config.published_path(db_path)
    if snapshot.exists():
        published = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC)
        typer.echo(f"Snapshot published {_when(published)} ({snapshot}).")
    else:
        typer.echo("No snapshot published yet.")
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        typer.echo("No Prefect server runs here: start one with `screening up`.")
        return
    from flows.deploy import overview

    try:
        rows = overview()
    except Exception as error:  # noqa: BLE001 - the edge: a server that does not answer
        typer.echo(f"The Prefect server at {api_url} does not answer ({type(error).__name__}).")
        return
    typer.echo(f"Prefect server {api_url.removesuffix('/api')}: {len(rows)} deployment(s).")
    for row in rows:
        last = f"{row['last_run']} {_when(row['last_end'])}" if row["last_run"] else "none yet"
        typer.echo(
            f"  {row['deployment']}: {row['schedule'] or 'on demand'}; last run: {last}; "
            f"next: {_when(row['next_run'])}"
        )


@app.command()
def rescreen(db: DbOption = None) -> None:
    """Screen every current project again with the current rubric (after a rubric change).

    Runs the Prefect flow `rescreen_warehouse`; results of earlier rubric versions stay in
    screening_results beside the new ones.

    Example: screening rescreen
    """
    db_path = db or config.default_db_path()
    if not db_path.exists():
        _fail(f"There is no warehouse at {db_path} yet; ingest a portfolio first.")
    own_api = _start_prefect(validating=False)
    from flows.rescreen import rescreen_warehouse

    _quiet_prefect()
    _writer_limit(own_api)
    try:
        summary = rescreen_warehouse(str(db_path))
    except ScreeningError as error:
        _fail(str(error))
    flags = ", ".join(f"{n} {flag}" for flag, n in sorted(summary["flags"].items()))
    typer.echo(
        f"Screened {summary['screened']} projects with rubric {summary['rubric_version']}: "
        f"{flags or 'nothing to screen'}."
    )


@app.command()
def explain(
    project_id: Annotated[str, typer.Argument(help="The project's ID, as in the portfolio.")],
    channel: Annotated[
        Channel | None, typer.Option(help="The channel, when the ID is used in more than one.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Show how a project was screened: pillars, marker, and the evidence for and against.

    Example: screening explain 2017-46638
    """
    from faces.explain import explain_project

    try:
        typer.echo(
            explain_project(
                config.readable_db(db or config.default_db_path()),
                project_id,
                channel.value if channel else None,
            )
        )
    except ScreeningError as error:
        _fail(str(error))


@app.command()
def watch(
    inbox: Annotated[
        Path | None,
        typer.Option(help="The folder to watch. Default: $SCREENING_INBOX, else data/inbox/."),
    ] = None,
    every: Annotated[int, typer.Option(help="Seconds between two looks.", min=1)] = 60,
    once: Annotated[bool, typer.Option(help="Look once, then stop.")] = False,
    db: DbOption = None,
) -> None:
    """Ingest every portfolio dropped in the inbox folder; re-screen when the rubric changed.

    Each file is ingested as by `screening ingest`, then moved to inbox/processed/ (or to
    inbox/refused/, beside a .txt that says why). When the rubric or its reference lists
    changed, every current project is screened again. Stop with Ctrl-C.

    Example: screening watch --every 300
    """
    import time

    folder = inbox or config.inbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    db_path = db or config.default_db_path()
    from flows.inbox import refresh_warehouse

    _quiet_prefect()
    _writer_limit()
    typer.echo(f"Watching {folder} every {every} s (Ctrl-C to stop).")
    try:
        while True:
            try:
                result = refresh_warehouse(str(folder), str(db_path))
            except ScreeningError as error:  # a busy warehouse: the next round tries again
                if once:
                    _fail(str(error))
                typer.echo(f"Error: {error} Trying again in {every} s.", err=True)
                time.sleep(every)
                continue
            for summary in result["uploads"]:
                _print_upload(UploadOutcome.of(summary), db_path)
            if rescreened := result["rescreened"]:
                typer.echo(
                    f"Rubric {rescreened['rubric_version']}: screened "
                    f"{rescreened['screened']} projects again."
                )
            if once:
                return
            time.sleep(every)
    except KeyboardInterrupt:
        typer.echo("Stopped.")


@app.command()
def report(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the workbook (.xlsx); its folder is created. "
            "Default: data/reports/wps-screening-<UTC date>.xlsx.",
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(
            "--country",
            metavar="ISO3",
            help="Only projects for this recipient: an ISO 3166 alpha-3 code such as UGA, a DAC "
            "regional code such as R298, or a name. Repeat for several.",
        ),
    ] = None,
    channel: Annotated[
        list[Channel] | None,
        typer.Option(
            "--channel",
            metavar="CHANNEL",
            help="Only projects of this channel: bilateral, multilateral or humanitarian. "
            "Repeat for several.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write an Excel workbook of the screening for evaluators, with charts, to hand on.

    Sheets: Summary (what it covers, marker flags, shares of gender funding beside the OECD
    DAC averages and the UN peacebuilding target, pillars, two charts), By country
    (recipient × channel × year × pillar, with a chart), Projects (one row per current
    screened project), Evidence (one row per criterion matched) and About (how to read it).
    Reads the published snapshot, like `screening query`; text is written exactly as typed
    and never as a formula.

    Example: screening report --country UGA --country SSD --channel bilateral
    """
    from datetime import UTC, datetime

    from faces.report import write_report

    today = f"{datetime.now(UTC):%Y-%m-%d}"
    target = out or config.data_dir() / "reports" / f"wps-screening-{today}.xlsx"
    try:
        summary = write_report(
            config.readable_db(db or config.default_db_path()),
            target,
            countries=country or None,
            channels=[c.value for c in channel] if channel else None,
        )
    except ScreeningError as error:
        _fail(str(error))
    typer.echo(f"Wrote {summary.path}")
    typer.echo(
        f"{summary.projects:,} projects, {summary.evidence:,} evidence rows, "
        f"{len(summary.sheets)} sheets ({', '.join(summary.sheets)}); "
        f"rubric {summary.rubric_version}; {summary.seconds:.1f} s."
    )


@app.command()
def serve(
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on. The default answers this machine only; 0.0.0.0 "
            "exposes the page to the network with no login: put it behind the ministry's "
            "reverse proxy and single sign-on first."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.", min=1, max=65535)] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the upload page: desk officers upload a portfolio in the browser and see what
    loaded, what did not, and why.

    Each upload runs the Prefect flow `ingest_portfolio`, as `screening ingest` does, and is
    recorded as uploaded by "web" (or by the X-Uploaded-By header a reverse proxy sets).
    The page lists the latest uploads. It has no login of its own. Stop with Ctrl-C.

    Example: screening serve --port 8000
    """
    import uvicorn

    from faces.web import create_app
    from flows.ingest import ingest_portfolio  # noqa: F401 - Prefect set up offline, loaded once

    db_path = db or config.default_db_path()
    _quiet_prefect()
    _writer_limit()
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Upload page: http://{shown}:{port}/ (warehouse {db_path}; Ctrl-C to stop).")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"Listening on {host}: anyone who reaches this address can upload, with no login.",
            err=True,
        )
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="info")


@app.command()
def evaluate(
    labels: Annotated[
        Path,
        typer.Argument(help="Labelled activities (CSV): e.g. ../shared/labelled/real_dev.csv."),
    ],
    activities: Annotated[
        Path | None,
        typer.Option(help="Their texts. Default: ../realdata/activities.csv beside LABELS."),
    ] = None,
    show: Annotated[
        int | None, typer.Option(help="List at most this many disagreements (default: all).")
    ] = None,
    show_check: Annotated[
        bool,
        typer.Option(
            "--show-check",
            help="Also list the check split's disagreements (read them only to report, never "
            "to change rules).",
        ),
    ] = False,
) -> None:
    """Agreement of the screen with evaluators' labels, beside a naive keyword rule.

    Prints marker kappa (quadratic) and exact agreement, level-2 F1 per pillar and macro,
    confusion matrices, per split (tune, check), and the tune split's disagreements with
    their evidence.

    Example: screening evaluate ../shared/labelled/real_dev.csv
    """
    from screening.evaluate import LabelsError, report

    try:
        typer.echo(report(labels, activities, show_check=show_check, show=show))
    except LabelsError as error:
        _fail(f"{error}; give the labelled CSV (and --activities for its texts).", 2)


@app.command()
def up(
    workers: Annotated[
        int, typer.Option(help="How many workers run flows (each runs several at once).", min=1)
    ] = 1,
    port: Annotated[
        int | None,
        typer.Option(help="The Prefect server's port. Default: 4200, else a free one.", max=65535),
    ] = None,
    page_port: Annotated[
        int | None,
        typer.Option(help="The upload page's port. Default: 8000, else a free one.", max=65535),
    ] = None,
    inbox_every: Annotated[
        int, typer.Option(help="Seconds between two looks at the inbox.", min=10)
    ] = 300,
    cron: Annotated[
        str, typer.Option(help="When refresh-screening re-screens everything (cron).")
    ] = "0 2 * * *",
    timezone: Annotated[
        str | None,
        typer.Option(
            help="The time zone of --cron (IANA, e.g. Europe/Oslo). Default: "
            "$SCREENING_TIMEZONE, else UTC."
        ),
    ] = None,
    page: Annotated[bool, typer.Option(help="Serve the upload page too.")] = True,
    db: DbOption = None,
) -> None:
    """Run the whole system in the background: a Prefect server, workers, the upload page,
    and the deployments ingest-portfolio, watch-inbox and refresh-screening.

    Listens on 127.0.0.1 only. The server keeps its database (SQLite) and logs under
    PREFECT_HOME (data/prefect/), or uses PostgreSQL when PREFECT_SERVER_DATABASE_CONNECTION_URL
    says so. One step at a time writes the warehouse (the duckdb-writer limit). While it runs,
    every `screening` command talks to this server. SCREENING_DB, SCREENING_INBOX and
    PREFECT_HOME choose another instance. Stop it with `screening down`.

    Example: screening up --workers 2 --timezone Africa/Juba
    """
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from flows.deploy import Plan
    from flows.server import up as start

    zone = timezone or os.environ.get("SCREENING_TIMEZONE") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail(f'"{zone}" is not a time zone; give an IANA name such as Europe/Oslo or UTC.', 2)
    plan = Plan(
        db=(db or config.default_db_path()).resolve(),
        inbox=config.inbox_dir().resolve(),
        inbox_every=inbox_every,
        cron=cron,
        timezone=zone,
    )
    try:
        state = start(plan, workers=workers, port=port, page_port=page_port, page=page,
                      say=typer.echo)  # fmt: skip
    except ScreeningError as error:
        _fail(str(error))
    except ValueError as error:  # a cron Prefect cannot read
        _fail(f"{error}")
    typer.echo(f"Prefect UI:  {state['ui_url']}")
    if page:
        typer.echo(f"Upload page: {state['page_url']}")
    typer.echo(f"Inbox:       {plan.inbox} (every {inbox_every} s)")
    typer.echo(f"Re-screen:   {cron} ({zone}), and after a rubric change")
    typer.echo(f"Logs:        {state['logs']}")
    typer.echo("Commands now run through this server; stop it all with `screening down`.")


@app.command()
def down() -> None:
    """Stop what `screening up` started under this PREFECT_HOME (a run in progress is
    stopped too: its upload loads whole or not at all).

    Example: screening down
    """
    from flows.server import down as stop

    if not stop(say=typer.echo):
        typer.echo("Nothing runs here (no `screening up` under this PREFECT_HOME).")
        return
    typer.echo("Stopped.")


def main() -> None:
    """The console script: domain errors are handled by the commands; anything else is a bug,
    said in one sentence (SCREENING_DEBUG=1 shows the traceback)."""
    import os

    try:
        app(standalone_mode=True)
    except Exception as error:  # noqa: BLE001 - the edge: no traceback for a desk officer
        if os.environ.get("SCREENING_DEBUG"):
            raise
        typer.echo(
            f"Error: something unexpected went wrong ({type(error).__name__}: {error}). "
            "Nothing was half-loaded; run again with SCREENING_DEBUG=1 to see the details, "
            "and report it.",
            err=True,
        )
        raise SystemExit(3) from None


if __name__ == "__main__":  # pragma: no cover
    main()

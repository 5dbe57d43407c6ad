"""`screening report`: an Excel workbook of the screening that an evaluator can hand on.

Why a workbook: evaluators send their findings to colleagues who do not write SQL. The
workbook holds what `screening query` would give them (the summary views, every current
screened project, every piece of evidence), native Excel charts that stay editable, and a
sheet that explains how to read it, so it can travel on its own.

Why every text cell is forced to be a string: the warehouse keeps desk officers' text as
typed, `=HYPERLINK("http://…","click")` included (see `faces.export`). openpyxl writes
any Python str that starts with `=` as a formula, and the texts `#N/A`, `#REF!`… as error
cells, so a title could run in the evaluator's Excel. Here such text goes into a cell whose
data type is set to "s" after its value, which openpyxl writes as an inline string: Excel
shows the exact text and never runs it. Unlike CSV, no leading quote is needed or added.
The only change to text is what XML cannot hold at all (control characters other than tab,
line feed and carriage return are dropped) and Excel's limit of 32,767 characters a cell.

Why write-only mode: the Projects and Evidence sheets can hold hundreds of thousands of
rows; openpyxl's write-only worksheets stream rows to disk instead of keeping a cell object
for each, which is several times faster and uses little memory. Its constraints shape the
code: column widths and frozen panes are set before the first row, rows are appended in
order, and the chart data are written as cells the charts refer to.

The warehouse is read on one read-only connection (`screening.warehouse.reader`, no file
access), so every sheet sees the same state even if a snapshot is published meanwhile, from the
summary views where they answer the question, so the workbook's figures are those an
evaluator gets from SQL. Importable without Prefect.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from screening import warehouse
from screening.errors import ReportError
from screening.vocabulary import CHANNELS, FLAGS, PILLARS

SHEETS = (
    "Summary", "By country", "Countries and pillars", "Partner types", "Projects", "Evidence",
    "About",
)  # fmt: skip
Query = Callable[..., pd.DataFrame]  # the query function of warehouse.reader
LEVELS = ("0 absent", "1 passing mention", "2 explicit aim")
LEVEL_COLOURS = ("BFBFBF", "9DC3E6", "1F4E79")  # light grey, light blue, dark blue
TOP_COUNTRIES = 15
EXCEL_MAX_ROWS = 1_048_576  # rows a sheet can hold, the header row included
CHUNK = 20_000  # rows converted at a time for the large sheets
ROW_CM = 0.53  # height of a default row (15 points), to place the chart data under a chart

MONEY = "#,##0"
SHARE = "0.0%"
WHEN = "yyyy-mm-dd hh:mm"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
FOOTER = "&A · page &P of &N"  # the sheet's name and the page, on every printed page


@dataclass(frozen=True)
class ReportSummary:
    """What `write_report` wrote, for the command line to tell the user."""

    path: Path
    projects: int
    evidence: int
    sheets: tuple[str, ...]
    rubric_version: str
    generated_at: datetime
    seconds: float


@dataclass(frozen=True)
class Column:
    """One column of a data sheet: its header, the frame column, a width and a kind
    (text, int, money, share, bool), which decides how the value is written."""

    header: str
    source: str
    width: float
    kind: str = "text"


# Headers in plain words: the workbook is handed to people who never saw the warehouse.
PROJECT_COLUMNS = (
    Column("Project ID", "project_id", 16),
    Column("Channel", "channel", 12),
    Column("Title", "title", 36),
    Column("Recipient code", "recipient_country", 9),
    Column("Recipient", "recipient_name", 18),
    Column("Year", "year", 7, "int"),
    Column("Budget", "budget", 14, "money"),
    Column("Currency", "currency", 9),
    Column("Budget (USD)", "budget_usd", 14, "money"),
    Column("Participation (0-2)", "participation", 11, "int"),
    Column("Protection (0-2)", "protection", 11, "int"),
    Column("Prevention (0-2)", "prevention", 11, "int"),
    Column("Relief and recovery (0-2)", "relief_recovery", 11, "int"),
    Column("WPS relevant", "wps_relevant", 9, "bool"),
    Column("Marker scheme", "marker_scheme", 8),
    Column("Marker claimed", "marker_claimed", 8, "int"),
    Column("Marker assessed", "marker_assessed", 8, "int"),
    Column("Marker flag", "marker_flag", 13),
    Column("Confidence", "confidence", 11),
    Column("In one line", "summary", 45),
    Column("File", "file_name", 18),
    Column("Sheet", "sheet", 12),
    Column("Row", "row_number", 6, "int"),
)
EVIDENCE_COLUMNS = (
    Column("Project ID", "project_id", 16),
    Column("Channel", "channel", 12),
    Column("Criterion", "criterion", 26),
    Column("Framework", "framework", 34),
    Column("Found in", "field", 12),
    Column("Words matched", "matched_text", 24),
    Column("For or against", "direction", 9),
    Column("Pillar", "pillar", 14),
    Column("In context", "context", 60),
)
BY_COUNTRY_COLUMNS = (
    Column("Recipient code", "recipient_country", 9),
    Column("Recipient", "recipient_name", 20),
    Column("Channel", "channel", 12),
    Column("Year", "year", 7, "int"),
    Column("Pillar", "pillar", 14),
    Column("Projects", "projects", 9, "int"),
    Column("Absent (0)", "absent", 9, "int"),
    Column("Passing (1)", "passing", 9, "int"),
    Column("Explicit (2)", "explicit", 9, "int"),
    Column("Share at 1 or 2", "share_any", 9, "share"),
    Column("Budget (USD)", "budget_usd", 15, "money"),
    Column("Budget (USD), passing (1)", "budget_usd_passing", 15, "money"),
    Column("Budget (USD), explicit (2)", "budget_usd_explicit", 15, "money"),
    Column("Budgets not converted", "budget_unconverted", 11, "int"),
)
# Recipient × pillar: projects and USD budgets where the pillar is there (level 1 or 2).
MATRIX_COLUMNS = (
    Column("Recipient code", "recipient_country", 9),
    Column("Recipient", "recipient_name", 20),
    Column("Projects", "projects", 9, "int"),
    Column("Budget (USD)", "budget_usd", 15, "money"),
    *(
        column
        for pillar, label in PILLARS.items()
        for column in (
            Column(f"{label}: projects", pillar, 11, "int"),
            Column(f"{label}: budget (USD)", f"{pillar}_usd", 15, "money"),
        )
    ),
    Column("WPS relevant: projects", "wps_projects", 11, "int"),
    Column("WPS relevant: budget (USD)", "wps_usd", 15, "money"),
    Column("WPS share of the budget", "wps_share", 10, "share"),
)
PARTNER_COLUMNS = (
    Column("Partner type", "partner_type", 30),
    Column("Partners", "partners", 9, "int"),
    Column("Projects", "projects", 9, "int"),
    Column("Budget (USD)", "budget_usd", 15, "money"),
    Column("WPS relevant: projects", "wps_projects", 11, "int"),
    Column("WPS share of the budget", "wps_share", 10, "share"),
    Column("Gender targeted, assessed (share of budget)", "assessed_share", 13, "share"),
    Column("Gender targeted, claimed (share of budget with a claim)", "claimed_share", 13,
           "share"),
)  # fmt: skip


def _filtered(country: str, channel: str) -> str:
    """The WHERE clause of the filters: $countries and $channels are lists, NULL for all (as
    the schema's gender_shares macro takes them)."""
    return (
        f"WHERE ($countries IS NULL OR list_contains($countries, {country})) "
        f"AND ($channels IS NULL OR list_contains($channels, {channel}))"
    )


WHERE_PROJECTS = _filtered("p.recipient_country", "s.channel")
WHERE_SUMMARIES = _filtered("recipient_country", "channel")  # the summary views' columns
# The current screened projects with the columns the Projects sheet shows.
PROJECTS_SQL = f"""
SELECT p.project_id, s.channel, p.title, p.recipient_country, p.recipient_name,
       coalesce(year(p.start_date), year(p.end_date)) AS year,
       p.budget, p.currency, p.budget_usd,
       s.participation, s.protection, s.prevention, s.relief_recovery, s.wps_relevant,
       s.marker_scheme, s.marker_claimed, s.marker_assessed, s.marker_flag, s.confidence,
       s.summary, u.file_name, sheet, row_number, s.rubric_version
FROM screening_current s
JOIN projects_usd p USING (upload_id, sheet, row_number)
JOIN uploads u USING (upload_id)
{WHERE_PROJECTS}
ORDER BY p.recipient_country NULLS LAST, s.channel, p.project_id, upload_id, sheet, row_number
"""
# Evidence of the same projects under the rubric that screened them, in the order
# `screening explain` shows it (for before against).
EVIDENCE_SQL = f"""
SELECT e.project_id, s.channel, e.criterion, e.framework, e.field, e.matched_text,
       e.direction, e.pillar, e.context
FROM screening_evidence e
JOIN screening_current s USING (upload_id, sheet, row_number, rubric_version)
JOIN projects_current p USING (upload_id, sheet, row_number)
{WHERE_PROJECTS}
ORDER BY p.recipient_country NULLS LAST, s.channel, e.project_id, upload_id, sheet, row_number,
         e.direction DESC, e.criterion, e.field
"""
_PILLAR_SUMS = ",\n       ".join(
    f"count(*) FILTER (WHERE s.{p} >= 1) AS {p}, "
    f"coalesce(sum(p.budget_usd) FILTER (WHERE s.{p} >= 1), 0) AS {p}_usd"
    for p in PILLARS
)
MATRIX_SQL = f"""
SELECT p.recipient_country, any_value(p.recipient_name) AS recipient_name, count(*) AS projects,
       coalesce(sum(p.budget_usd), 0) AS budget_usd,
       {_PILLAR_SUMS},
       count(*) FILTER (WHERE s.wps_relevant) AS wps_projects,
       coalesce(sum(p.budget_usd) FILTER (WHERE s.wps_relevant), 0) AS wps_usd
FROM screening_current s
JOIN projects_usd p USING (upload_id, sheet, row_number)
{WHERE_PROJECTS}
GROUP BY ROLLUP (p.recipient_country)
ORDER BY p.recipient_country IS NULL, budget_usd DESC, p.recipient_country
"""
# The projects with their partner, for the view by partner type (classified in Python by the
# patterns of screening/rules/partner_types.yaml).
PARTNERS_SQL = f"""
SELECT p.partner, p.budget_usd, s.wps_relevant, s.marker_assessed,
       CASE WHEN s.marker_scheme = 'gam' THEN s.marker_claimed >= 3
            ELSE s.marker_claimed >= 1 END AS claimed_gender
FROM screening_current s
JOIN projects_usd p USING (upload_id, sheet, row_number)
{WHERE_PROJECTS} AND NOT p.is_aggregate
"""
COUNT_SQL = f"""
SELECT count(*) AS n FROM screening_current s
JOIN projects_current p USING (upload_id, sheet, row_number) {WHERE_PROJECTS}
"""
EVIDENCE_COUNT_SQL = f"""
SELECT count(*) AS n FROM screening_evidence e
JOIN screening_current s USING (upload_id, sheet, row_number, rubric_version)
JOIN projects_current p USING (upload_id, sheet, row_number) {WHERE_PROJECTS}
"""
AVAILABLE_SQL = """
SELECT p.recipient_country, s.channel, count(*) AS projects FROM screening_current s
JOIN projects_current p USING (upload_id, sheet, row_number)
GROUP BY ALL ORDER BY ALL
"""
MARKERS_SQL = f"""
SELECT marker_flag, sum(projects) AS projects, sum(budget_usd) AS budget_usd,
       sum(low_confidence) AS low_confidence
FROM summary_markers {WHERE_SUMMARIES} GROUP BY marker_flag
"""
PILLARS_SQL = f"""
SELECT pillar, sum(projects) AS projects, sum(passing) AS passing, sum(explicit) AS explicit
FROM summary_pillars {WHERE_SUMMARIES} GROUP BY pillar
"""
BY_COUNTRY_SQL = f"""
SELECT *, projects - passing - explicit AS absent FROM summary_pillars {WHERE_SUMMARIES}
ORDER BY recipient_country NULLS LAST, channel, year NULLS LAST, pillar
"""
RUBRIC_SQL = """
SELECT rubric_version, name FROM rubrics ORDER BY last_screened_at DESC LIMIT 1
"""
# The benchmarks' labels; a snapshot published before schema 9 has no such table.
BENCHMARKS_SQL = """
SELECT benchmark_id, label FROM benchmarks
WHERE EXISTS (SELECT 1 FROM duckdb_tables() WHERE table_name = 'benchmarks')
"""
# summary_gender_shares for the filtered projects (the schema's macro behind the view).
GENDER_SHARES_SQL = "SELECT * FROM gender_shares(countries := $countries, channels := $channels)"

ABOUT = (
    (
        "What this is",
        "The screening of the current projects in the warehouse against the Women, Peace and "
        "Security rubric: for each project, how far it works on the four pillars of UN "
        "Security Council Resolution 1325, the gender marker its text supports beside the one "
        "the donor claimed, and the words in the text that led there.",
    ),
    (
        "Read it as evidence, not a verdict",
        "The screening reads only what the portfolio says about a project (title, "
        "description, objectives, indicators, partner, purpose code, recipient). A project "
        "may do more, or less, than its text shows. Use the results to decide which projects "
        "a person should look at, and check the Evidence sheet and the project documents "
        "before concluding anything about a project.",
    ),
    (
        "Sheets",
        "Summary: what the workbook covers, the marker flags, the shares of gender funding "
        "beside the OECD DAC averages and the UN target, and the pillars, with three charts. "
        "By country: projects and USD budgets per recipient, channel, year and pillar, with "
        "a chart of the countries with most projects to the right of the table. Countries "
        "and pillars: per recipient, the projects and budget where each pillar is present, "
        "and the WPS share of its budget. Partner types: the same by type of partner "
        "organisation (United Nations, European Union, NATO, OSCE, African Union, "
        "development banks, governments, NGOs: the lines of action of Denmark's action "
        "plan), classified by the patterns in screening/rules/partner_types.yaml. Projects: "
        "one row per current screened project. Evidence: one row per criterion matched in "
        "those projects. The tables have filters on their header row. Printed, each sheet "
        "is landscape and fitted to the page width, with its header row on every page.",
    ),
    (
        "Pillar levels (0, 1, 2)",
        "Each of the four UNSCR 1325 pillars (participation, protection, prevention, relief "
        "and recovery) gets 0 when absent, 1 for a passing mention, 2 when it is an explicit "
        "aim or component of the project. Pillars count only in a fragile or "
        "conflict-affected setting: the recipient is on the OECD States of Fragility 2022 "
        "list, or the text or purpose code describes conflict, post-conflict, armed violence "
        "or displacement. wps_relevant is TRUE when the evidence shows the project works on "
        "Women, Peace and Security.",
    ),
    (
        "Gender marker (0, 1, 2)",
        "The OECD DAC gender equality policy marker: 0 not targeted, 1 significant (gender "
        "equality is an important and deliberate objective), 2 principal (gender equality is "
        "the main objective). marker_claimed is what the donor marked; for humanitarian "
        "projects it can be the IASC Gender with Age Marker code 0-4 (marker_scheme gam, "
        "else dac). marker_assessed is the DAC marker the evidence supports under the DAC "
        "minimum criteria (an explicit gender objective, a gender analysis, gender-specific "
        "indicators).",
    ),
    (
        "Marker flags",
        "consistent: the claim is what the evidence supports. overclaimed: the donor claimed "
        "more than the evidence supports. underclaimed: the evidence supports more than was "
        "claimed. not_screened: no marker was claimed (or an aggregate line), so there is "
        "nothing to compare. GAM codes are compared yes/no: GAM 3-4 claims a gender "
        "contribution.",
    ),
    (
        "Confidence",
        "low: the text is too short (under 15 words) or too generic to judge; medium; high: "
        "50 words or more. A low-confidence result says more about the text than the project.",
    ),
    (
        "Budgets and years",
        "budget and currency are as in the portfolio; budget_usd converts them at the annual "
        "average rate of the start year (data/reference/exchange_rates.csv) and is empty for "
        "a currency without a rate. year is the start year, else the end year.",
    ),
    (
        "Shares of gender funding",
        "Shares of the budget in USD (aggregate lines left out): assessed, from "
        "marker_assessed; claimed, from the donor's markers, of the budget with a claim. "
        "Benchmarks: the OECD DAC averages of bilateral allocable aid targeting gender "
        "equality and having it as principal objective, and the UN Secretary-General's "
        "target for peacebuilding funds (DAC 152xx) to projects with gender equality as "
        "principal objective; the figures and their sources are on the Summary sheet, as "
        "the rubric declares them (table benchmarks).",
    ),
    (
        "Sources",
        "UN Security Council Resolution 1325 (2000) and its successor resolutions; OECD DAC "
        "Handbook on the Gender Equality Policy Marker (2016); IASC Gender with Age Marker; "
        "OECD States of Fragility 2022 (the list of fragile and conflict-affected contexts); "
        "Denmark's 2005 action plan on UNSCR 1325.",
    ),
    (
        "The rubric",
        "Every criterion, its words in English, Danish, French and Spanish, its weight and "
        "the paragraph of the framework it comes from are documented in docs/rubric.md "
        "(generated from screening/rubrics/wps.yaml). The rubric version on the Summary "
        "sheet identifies the exact rubric; `screening explain PROJECT_ID` shows one "
        "project's result with its reasoning.",
    ),
    (
        "Text as typed",
        "Titles, summaries and evidence are shown exactly as written in the portfolios. Text "
        "that looks like a formula (=HYPERLINK(...)) is stored as text and never runs.",
    ),
)


def write_report(
    db_path: Path,
    out: Path,
    *,
    countries: list[str] | None = None,
    channels: list[str] | None = None,
) -> ReportSummary:
    """Write the evaluators' workbook of the warehouse at `db_path` to `out` (.xlsx).

    Sheets, in order: Summary, By country, Projects, Evidence, About (see the module
    docstring for why it is built the way it is). `countries` (ISO 3166 alpha-3 codes, DAC
    regional codes such as R298, or country names) and `channels` narrow every sheet to the
    projects of those recipients and channels. The file is written beside `out` and then
    moved into place, so a failure never leaves half a workbook where the last one was.

    Raises ReportError when there is nothing screened, the filters match nothing, a sheet
    would exceed Excel's row limit, or `out` is not an .xlsx path; WarehouseError when the
    warehouse cannot be read.
    """
    started = time.perf_counter()
    db_path, out = Path(db_path), Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ReportError(f"{out} does not end in .xlsx; give a path such as report.xlsx.")
    where = _Filter.build(countries, channels)
    with warehouse.reader(db_path) as run:
        projects_n = _check_scope(run, db_path, where)
        evidence_n = int(run(EVIDENCE_COUNT_SQL, where.params)["n"][0])
        for sheet, rows in (("Projects", projects_n), ("Evidence", evidence_n)):
            if rows >= EXCEL_MAX_ROWS:
                raise ReportError(
                    f"The {sheet} sheet would need {rows:,} rows, more than an Excel sheet holds "
                    f"({EXCEL_MAX_ROWS - 1:,} under its header); narrow the workbook to some "
                    "countries or channels, or query the warehouse with SQL."
                )

        projects = run(PROJECTS_SQL, where.params)
        evidence = run(EVIDENCE_SQL, where.params)
        by_country = run(BY_COUNTRY_SQL, where.params)
        matrix = run(MATRIX_SQL, where.params)
        partners = run(PARTNERS_SQL, where.params)
        markers = run(MARKERS_SQL, where.params)
        pillars = run(PILLARS_SQL, where.params)
        shares = _gender_shares(run, where)
        benchmarks = dict(run(BENCHMARKS_SQL).itertuples(index=False, name=None))
        rubric = run(RUBRIC_SQL)
    # screening_current holds one rubric version, the one that screened most recently.
    rubric_version = ", ".join(sorted(projects["rubric_version"].dropna().unique()))
    rubric_name = str(rubric["name"].iloc[0]) if len(rubric) else ""
    generated_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    wb = Workbook(write_only=True)
    wb.properties.title = "Women, Peace and Security screening"
    wb.properties.creator = "wps-screening"
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    _write_summary(
        sheets["Summary"],
        covers=[
            ("Countries", where.describe_countries()),
            ("Channels", ", ".join(where.channels) if where.channels else "all"),
            ("Current projects screened", len(projects)),
            ("of which WPS relevant", int(projects["wps_relevant"].fillna(False).sum())),
            ("Evidence rows", len(evidence)),
            (
                "Rubric version",
                f"{rubric_version} ({rubric_name})" if rubric_name else rubric_version,
            ),
            ("Generated at (UTC)", generated_at),
            ("Warehouse", str(db_path)),
        ],
        markers=markers,
        shares=shares,
        benchmarks=benchmarks,
        pillars=pillars,
    )
    _write_by_country(sheets["By country"], by_country, projects)
    _write_matrix(sheets["Countries and pillars"], matrix)
    _write_table(sheets["Partner types"], PARTNER_COLUMNS, _by_partner_type(partners))
    _write_table(sheets["Projects"], PROJECT_COLUMNS, projects)
    _write_table(sheets["Evidence"], EVIDENCE_COLUMNS, evidence)
    _write_about(sheets["About"])

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.xlsx")
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise ReportError(f"The workbook could not be written to {out}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return ReportSummary(
        path=out,
        projects=len(projects),
        evidence=len(evidence),
        sheets=SHEETS,
        rubric_version=rubric_version,
        generated_at=generated_at,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Filter:
    """The country and channel filters, passed to SQL as parameters (never pasted into it)."""

    countries: tuple[str, ...]
    channels: tuple[str, ...]

    @classmethod
    def build(cls, countries: Sequence[str] | None, channels: Sequence[str] | None) -> _Filter:
        return cls(_country_codes(countries or ()), _channel_names(channels or ()))

    @property
    def params(self) -> dict[str, list[str] | None]:
        """$countries and $channels: a list each, or NULL for all."""
        return {"countries": list(self.countries) or None, "channels": list(self.channels) or None}

    def describe_countries(self) -> str:
        if not self.countries:
            return "all"
        from screening.reference import country_name

        return ", ".join(f"{code} ({country_name(code)})" for code in self.countries)


def _country_codes(given: Iterable[str]) -> tuple[str, ...]:
    """The recipient codes the warehouse stores for what the user typed: an ISO alpha-3 or
    alpha-2 code, a DAC regional code (R298) or a name in English or Danish, as the ingest
    recognises them, so `uga`, `UG` and `Uganda` all mean UGA."""
    codes: list[str] = []
    for text in given:
        text = text.strip()
        if not text:
            continue
        from screening.reference import country_lookup
        from screening.rules import header_key

        code = country_lookup().get(header_key(text))
        if code is None:
            raise ReportError(
                f'"{text}" is not a country we recognise; give an ISO 3166 alpha-3 code such '
                "as UGA, a DAC regional code such as R298, or the country's name."
            )
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _channel_names(given: Iterable[str]) -> tuple[str, ...]:
    names: list[str] = []
    for text in given:
        name = str(text).strip().lower()
        if name not in CHANNELS:
            raise ReportError(f'"{text}" is not a channel; use {", ".join(CHANNELS)}.')
        if name not in names:
            names.append(name)
    return tuple(names)


def _check_scope(run: Query, db_path: Path, where: _Filter) -> int:
    """The number of projects the workbook covers; a ReportError that says what to do when it
    is none (nothing screened yet, or filters that match nothing)."""
    total = int(run(COUNT_SQL, _Filter((), ()).params)["n"][0])
    if not total:
        raise ReportError(
            f"The warehouse {db_path} has no screened projects yet; ingest a portfolio first "
            "(screening ingest my-portfolio.xlsx), then write the workbook."
        )
    if not where.countries and not where.channels:
        return total
    found = int(run(COUNT_SQL, where.params)["n"][0])
    if found:
        return found
    available = run(AVAILABLE_SQL)
    asked = " and ".join(
        part
        for part in (
            f"recipient {', '.join(where.countries)}" if where.countries else "",
            f"channel {', '.join(where.channels)}" if where.channels else "",
        )
        if part
    )
    countries = ", ".join(sorted(available["recipient_country"].dropna().unique()))
    channels = ", ".join(sorted(available["channel"].dropna().unique()))
    raise ReportError(
        f"No current screened project has {asked}; check the country code and channel. "
        f"The warehouse has projects for {countries} in the channels {channels}."
    )


def _gender_shares(run: Query, where: _Filter) -> dict[str, float | int | None]:
    """The shares of gender funding of the filtered projects, and their benchmarks."""
    return _first_row(run(GENDER_SHARES_SQL, where.params))


def _first_row(frame: pd.DataFrame) -> dict[str, float | int | None]:
    if frame.empty:
        return {}
    return {key: _plain(value) for key, value in frame.iloc[0].items()}


def _plain(value: object) -> Any:
    """A Python value openpyxl writes as it is: None for NULL/NaN/NA, numpy scalars as Python."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


# --- cells -------------------------------------------------------------------------------------


def _text(ws: WriteOnlyWorksheet, value: str) -> str | WriteOnlyCell:
    """A text value that openpyxl will write as a string cell with the exact text.

    Plain text is returned as it is (openpyxl writes it as a string). Text openpyxl would
    turn into a formula (starting with "=") or an error cell ("#N/A") becomes a cell whose
    data type is forced to "s" after its value is set. Characters XML cannot hold are dropped,
    since openpyxl refuses them (IllegalCharacterError).
    """
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    return value


def _formatted(ws: WriteOnlyWorksheet, value: object, number_format: str) -> WriteOnlyCell | None:
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value)
    cell.number_format = number_format
    return cell


def _styled(ws: WriteOnlyWorksheet, value: object, **style: object) -> WriteOnlyCell:
    """Our own labels and headings with a font, fill or alignment; text is forced to a
    string cell all the same, so no label can ever become a formula."""
    cell = WriteOnlyCell(ws, _plain_text(value))
    if isinstance(value, str):
        cell.data_type = "s"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _plain_text(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _value(ws: WriteOnlyWorksheet, value: object) -> object:
    """Any single value of the summary sheets: text as a safe string, numbers as they are,
    a datetime with a date format."""
    value = _plain(value)
    if isinstance(value, str):
        return _text(ws, value)
    if isinstance(value, datetime):
        return _formatted(ws, value, WHEN)
    return value


def _converter(ws: WriteOnlyWorksheet, kind: str) -> Callable[[Any], object]:
    """How one kind of column's values are written (None stays an empty cell)."""
    if kind == "text":
        return lambda v: (
            _text(ws, v) if isinstance(v, str) else None if v is None else _text(ws, str(v))
        )
    if kind == "int":
        return lambda v: None if v is None else int(v)
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    if kind == "money":
        return lambda v: _formatted(ws, float(v), MONEY) if v is not None else None
    if kind == "share":
        return lambda v: _formatted(ws, float(v), SHARE) if v is not None else None
    if kind == "any":  # a value as it is, text always as text, dates with a date format
        return lambda v: None if v is None else _value(ws, v)
    raise ValueError(f"unknown column kind {kind!r}")


def _column_values(frame: pd.DataFrame, source: str) -> list[object]:
    """A frame column as Python values, None where it is NULL, NaN or NA."""
    column = frame[source]
    return column.astype(object).where(column.notna(), None).tolist()


def _header(ws: WriteOnlyWorksheet, columns: Sequence[Column]) -> list[WriteOnlyCell]:
    """Header cells that wrap: a narrow column shows its whole header, on two lines."""
    return [_styled(ws, c.header, font=BOLD, fill=HEADER_FILL, alignment=WRAP) for c in columns]


def _prepare(ws: WriteOnlyWorksheet, widths: Iterable[float], freeze: str | None = "A2") -> None:
    """Column widths, frozen header and how the sheet prints: in write-only mode all must be
    set before any row.

    Printed, every sheet is landscape and fitted to the page width (as many pages down as it
    takes), with the header row repeated on each page of a table and a footer naming the
    sheet and the page, so printed pages can be handed on and put back in order.
    """
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        ws.freeze_panes = freeze
        ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, footer=0.25)
    ws.oddFooter.center.text = FOOTER


def _rows(
    ws: WriteOnlyWorksheet, columns: Sequence[Column], frame: pd.DataFrame
) -> Iterator[tuple]:
    """The frame's rows as cell values, converted a column at a time (fast for large frames)
    and CHUNK rows at a time (so a large sheet never holds all its cell values at once)."""
    converters = [_converter(ws, column.kind) for column in columns]
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK]
        converted = [
            [convert(v) for v in _column_values(chunk, column.source)]
            for column, convert in zip(columns, converters, strict=True)
        ]
        yield from zip(*converted, strict=True)


# --- sheets ------------------------------------------------------------------------------------


def write_frame(out: Path, title: str, frame: pd.DataFrame) -> Path:
    """Any frame as a one-sheet workbook (`screening export --format xlsx`): headers as the
    column names, text never run as a formula, printable like the report's tables."""
    if len(frame) >= EXCEL_MAX_ROWS:
        raise ReportError(
            f"{len(frame):,} rows are more than an Excel sheet holds ({EXCEL_MAX_ROWS - 1:,}); "
            "export them as csv or parquet."
        )
    wb = Workbook(write_only=True)
    widths = [min(max(len(str(c)) + 2, 10), 40) for c in frame.columns]
    columns = [Column(str(c), c, w, "any") for c, w in zip(frame.columns, widths, strict=True)]
    _write_table(wb.create_sheet(title[:31] or "Sheet1"), columns, frame)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _write_table(ws: WriteOnlyWorksheet, columns: Sequence[Column], frame: pd.DataFrame) -> None:
    """A data sheet: header, one row per frame row, frozen header and a filter on it."""
    _prepare(ws, (c.width for c in columns))
    ws.append(_header(ws, columns))
    for row in _rows(ws, columns, frame):
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"


def _write_summary(
    ws: WriteOnlyWorksheet,
    *,
    covers: list[tuple[str, object]],
    markers: pd.DataFrame,
    shares: dict[str, float | int | None],
    benchmarks: dict[str, str],
    pillars: pd.DataFrame,
) -> None:
    """What the workbook covers, the marker flags, the gender shares beside their benchmarks,
    the pillar levels, and a bar chart of the flags and one of the pillars."""
    _prepare(ws, (46, 16, 16, 16, 16, 60), freeze=None)
    row = 0

    def append(values: Sequence[object]) -> int:
        nonlocal row
        ws.append(list(values))
        row += 1
        return row

    append([_styled(ws, "Women, Peace and Security screening", font=Font(bold=True, size=14))])
    append(
        [
            _styled(
                ws,
                "Evidence for a human reviewer, not a verdict: see the About sheet.",
                font=Font(italic=True),
            )
        ]
    )
    append([])
    append([_styled(ws, "What this workbook covers", font=BOLD)])
    for label, value in covers:
        append([_styled(ws, label, font=BOLD), _value(ws, value)])
    append([])

    by_flag = markers.set_index("marker_flag") if len(markers) else pd.DataFrame()
    header = ["Marker flag", "Projects", "Budget (USD)", "Low confidence", "", "What it means"]
    flags_header = append([_styled(ws, h, font=BOLD, fill=HEADER_FILL) for h in header])
    for flag, meaning in FLAGS.items():
        found = by_flag.loc[flag] if flag in by_flag.index else None
        append(
            [
                _text(ws, flag),
                int(found["projects"]) if found is not None else 0,
                _formatted(ws, _plain(found["budget_usd"]) if found is not None else 0.0, MONEY),
                int(found["low_confidence"]) if found is not None else 0,
                None,
                _text(ws, meaning),
            ]
        )
    flags_last = row
    append([])

    header = ["Share of budget (USD)", "Assessed", "Claimed", "Benchmark", "", "Benchmark source"]
    shares_header = append([_styled(ws, h, font=BOLD, fill=HEADER_FILL) for h in header])
    for label, assessed, claimed, benchmark, benchmark_id in (
        (
            "Gender equality targeted (marker 1 or 2)",
            "assessed_share_gender",
            "claimed_share_gender",
            "dac_average_share_gender",
            "dac_gender_any",
        ),
        (
            "Gender equality as principal objective (marker 2)",
            "assessed_share_principal",
            "claimed_share_principal",
            "dac_average_share_principal",
            "dac_gender_principal",
        ),
        (
            "Peacebuilding (DAC 152xx) with gender equality as principal",
            "peacebuilding_share_principal",
            None,
            "un_peacebuilding_target_principal",
            "un_peacebuilding_15",
        ),
    ):
        source = benchmarks.get(benchmark_id, "")
        append(
            [
                _text(ws, label),
                _formatted(ws, _plain(shares.get(assessed)), SHARE),
                _formatted(ws, _plain(shares.get(claimed)) if claimed else None, SHARE),
                _formatted(ws, _plain(shares.get(benchmark)), SHARE),
                None,
                _text(ws, source),
            ]
        )
    shares_last = row
    append(
        [
            _text(ws, "Projects in these shares (aggregate lines left out)"),
            _plain(shares.get("projects")),
        ]
    )
    append(
        [
            _text(ws, "Their budget (USD)"),
            _formatted(ws, _plain(shares.get("budget_usd")), MONEY),
        ]
    )
    append([])

    by_pillar = pillars.set_index("pillar") if len(pillars) else pd.DataFrame()
    header = ["WPS relevance by UNSCR 1325 pillar", *LEVELS, "Projects"]
    pillars_header = append([_styled(ws, h, font=BOLD, fill=HEADER_FILL) for h in header])
    for pillar, label in PILLARS.items():
        found = by_pillar.loc[pillar] if pillar in by_pillar.index else None
        projects = int(found["projects"]) if found is not None else 0
        passing = int(found["passing"]) if found is not None else 0
        explicit = int(found["explicit"]) if found is not None else 0
        append([_text(ws, label), projects - passing - explicit, passing, explicit, projects])
    pillars_last = row

    flags_chart = _bar_chart("Projects by marker flag", "Projects")
    flags_chart.legend = None
    flags_chart.add_data(
        Reference(ws, min_col=2, min_row=flags_header, max_row=flags_last), titles_from_data=True
    )
    flags_chart.set_categories(
        Reference(ws, min_col=1, min_row=flags_header + 1, max_row=flags_last)
    )
    ws.add_chart(flags_chart, "H4")

    pillars_chart = _bar_chart("Projects by UNSCR 1325 pillar and level", "Projects")
    pillars_chart.grouping = "stacked"
    pillars_chart.overlap = 100
    pillars_chart.add_data(
        Reference(ws, min_col=2, max_col=4, min_row=pillars_header, max_row=pillars_last),
        titles_from_data=True,
    )
    pillars_chart.set_categories(
        Reference(ws, min_col=1, min_row=pillars_header + 1, max_row=pillars_last)
    )
    _colour_levels(pillars_chart)
    ws.add_chart(pillars_chart, "H22")

    # Assessed against claimed shares, beside the DAC averages and the UN 15% target.
    shares_chart = _bar_chart("Share of budget: assessed, claimed and benchmark", "Share")
    shares_chart.add_data(
        Reference(ws, min_col=2, max_col=4, min_row=shares_header, max_row=shares_last),
        titles_from_data=True,
    )
    shares_chart.set_categories(
        Reference(ws, min_col=1, min_row=shares_header + 1, max_row=shares_last)
    )
    shares_chart.y_axis.number_format = "0%"
    shares_chart.y_axis.scaling.min = 0
    for series, colour in zip(shares_chart.series, ("1F4E79", "9DC3E6", "F0A500"), strict=False):
        series.graphicalProperties.solidFill = colour
    ws.add_chart(shares_chart, "H40")


def _write_by_country(
    ws: WriteOnlyWorksheet, by_country: pd.DataFrame, projects: pd.DataFrame
) -> None:
    """summary_pillars as a table (recipient × channel × year × pillar), and to its right the
    countries with most projects by their highest pillar level, with a stacked bar chart."""
    columns = BY_COUNTRY_COLUMNS
    gap = len(columns) + 2  # one empty column between the table and the chart data
    widths = [c.width for c in columns] + [3, 30, 12, 12, 12]
    _prepare(ws, widths)

    top = _top_countries(projects)
    chart_header = [
        _styled(ws, h, font=BOLD, fill=HEADER_FILL)
        for h in ("Country (most projects)", "no pillar (0)", "at most passing (1)", "explicit (2)")
    ]
    chart_rows = [
        [_text(ws, name), int(r["0"]), int(r["1"]), int(r["2"])] for name, r in top.iterrows()
    ]
    # The chart sits near the top of the sheet, to the right of the table; its data below it.
    chart_height = max(7.5, 1 + 0.6 * len(chart_rows))  # cm
    chart_first = 3 + math.ceil(chart_height / ROW_CM)
    table = list(_rows(ws, columns, by_country))
    height = max(len(table) + 1, chart_first + len(chart_rows))
    for index in range(height):
        row_number = index + 1
        cells: list[object] = []
        if index == 0:
            cells = _header(ws, columns)
        elif index <= len(table):
            cells = list(table[index - 1])
        if row_number >= chart_first and row_number - chart_first <= len(chart_rows):
            cells += [None] * (gap - 1 - len(cells))
            position = row_number - chart_first
            cells += chart_header if position == 0 else chart_rows[position - 1]
        ws.append(cells)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(table) + 1}"

    chart = _bar_chart(
        f"Projects by recipient and highest UNSCR 1325 pillar level (top {len(chart_rows)})",
        "Projects",
    )
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.x_axis.scaling.orientation = "maxMin"  # the country with most projects on top
    chart.add_data(
        Reference(
            ws,
            min_col=gap + 1,
            max_col=gap + 3,
            min_row=chart_first,
            max_row=chart_first + len(chart_rows),
        ),
        titles_from_data=True,
    )
    chart.set_categories(
        Reference(ws, min_col=gap, min_row=chart_first + 1, max_row=chart_first + len(chart_rows))
    )
    chart.height = chart_height
    chart.y_axis.crosses = "max"  # with the categories top-down, keep the values axis below
    _colour_levels(chart)
    ws.add_chart(chart, f"{get_column_letter(gap)}2")


def _top_countries(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects per recipient by their highest pillar level (0, 1, 2), the TOP_COUNTRIES
    recipients with most projects, labelled with the recipient's name."""
    pillars = projects[list(PILLARS)].fillna(0).astype(int)
    frame = pd.DataFrame(
        {
            "recipient": projects["recipient_name"]
            .fillna(projects["recipient_country"])
            .fillna("(no recipient)"),
            "level": pillars.max(axis=1).clip(0, 2).astype(str),
        }
    )
    counts = pd.crosstab(frame["recipient"], frame["level"]).reindex(
        columns=["0", "1", "2"], fill_value=0
    )
    counts["total"] = counts.sum(axis=1)
    counts = counts.sort_values(["total"], ascending=False, kind="stable")
    return counts.head(TOP_COUNTRIES)


def _write_matrix(ws: WriteOnlyWorksheet, matrix: pd.DataFrame) -> None:
    """Recipient × UNSCR 1325 pillar: projects and budgets where each pillar is there, and
    the WPS share of each recipient's budget; the last line sums all recipients."""
    frame = matrix.copy()
    total = frame["recipient_country"].isna()
    frame.loc[total, "recipient_name"] = "All recipients"
    budget = frame["budget_usd"].astype(float)
    frame["wps_share"] = (frame["wps_usd"].astype(float) / budget).where(budget > 0)
    _write_table(ws, MATRIX_COLUMNS, frame)


def _by_partner_type(partners: pd.DataFrame) -> pd.DataFrame:
    """Projects by type of partner organisation (UN, EU, NATO, OSCE, AU, governments, NGOs...),
    with their budget, WPS share and gender shares, assessed and claimed."""
    from screening.partners import classify_partners, partner_types

    frame = partners.assign(
        partner_type=classify_partners(partners["partner"]),
        budget=partners["budget_usd"].astype(float).fillna(0.0),
    )
    frame["wps"] = frame["budget"].where(frame["wps_relevant"].fillna(False).astype(bool), 0.0)
    frame["assessed"] = frame["budget"].where(frame["marker_assessed"].fillna(0) >= 1, 0.0)
    claimed = frame["claimed_gender"]
    frame["with_claim"] = frame["budget"].where(claimed.notna(), 0.0)
    frame["claimed"] = frame["budget"].where(claimed.fillna(False).astype(bool), 0.0)
    grouped = frame.groupby("partner_type", sort=False).agg(
        partners=("partner", "nunique"), projects=("partner_type", "size"),
        budget_usd=("budget", "sum"), wps_projects=("wps_relevant", "sum"),
        wps=("wps", "sum"), assessed=("assessed", "sum"), claimed=("claimed", "sum"),
        with_claim=("with_claim", "sum"),
    )  # fmt: skip
    order = [t["label"] for t in partner_types()]
    grouped = grouped.reindex([t for t in order if t in grouped.index]
                              + [t for t in grouped.index if t not in order])  # fmt: skip
    budget = grouped["budget_usd"].where(grouped["budget_usd"] > 0)
    grouped["wps_share"] = grouped["wps"] / budget
    grouped["assessed_share"] = grouped["assessed"] / budget
    grouped["claimed_share"] = grouped["claimed"] / grouped["with_claim"].where(
        grouped["with_claim"] > 0
    )
    return grouped.reset_index()


def _write_about(ws: WriteOnlyWorksheet) -> None:
    """How to read the workbook, in plain words."""
    _prepare(ws, (30, 110), freeze=None)
    ws.append([_styled(ws, "How to read this workbook", font=Font(bold=True, size=14))])
    ws.append([])
    for topic, text in ABOUT:
        ws.append(
            [_styled(ws, topic, font=BOLD, alignment=WRAP), _styled(ws, text, alignment=WRAP)]
        )


def _bar_chart(title: str, y_title: str) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.width, chart.height = 18, 7.5
    # openpyxl 3.1 marks axes as deleted unless told otherwise; Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _colour_levels(chart: BarChart) -> None:
    """Pillar levels in the same colours on every chart: grey 0, light blue 1, dark blue 2."""
    for series, colour in zip(chart.series, LEVEL_COLOURS, strict=False):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour

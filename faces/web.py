"""The upload page (`screening serve`): a desk officer uploads a portfolio in the browser and
sees at once what loaded, what did not, and why.

`create_app(db)` builds the FastAPI app; nothing starts on import. Each upload runs the same
Prefect flow as `screening ingest` (`flows.ingest.ingest_portfolio`) in a worker thread, one
upload at a time, and says what `ingest` says (`faces.outcome`). The page is one HTML document
(faces/templates/upload.html, with its CSS and a few lines of JavaScript inline): nothing is
fetched from anywhere else, so it works offline. Anything a user gave (file names, messages
quoting cells) is escaped in HTML by the template engine, and the page's script writes text
only through `textContent`.

There is no login: `screening serve` listens on this machine only unless told otherwise, and
belongs behind the ministry's reverse proxy and single sign-on before anyone else reaches it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, Template
from starlette.concurrency import run_in_threadpool

from faces.outcome import UploadOutcome, details_json, upload_details
from screening import config
from screening.errors import ScreeningError, WarehouseBusy
from screening.feedback import FeedbackError, UploadFeedback
from screening.readers.grid import human_size
from screening.rules import refusal
from screening.vocabulary import CHANNELS

log = logging.getLogger(__name__)

RECENT = 10  # uploads listed under the form
MAX_REJECTED_LISTED = 1000  # rows not loaded sent to the page; the rest are counted
MAX_NAME_BYTES = 200  # a file name longer than this (UTF-8) is shortened, keeping its extension
MAX_TEXT = 200  # portfolio names and the uploader header
UPLOADER_HEADER = "X-Uploaded-By"
# What /uploads and the page show of an `uploads` row (never the server's archive path).
UPLOAD_COLUMNS = (
    "upload_id", "uploaded_at", "file_name", "portfolio", "channel", "status", "rows_read",
    "rows_loaded", "rows_rejected", "rows_skipped", "rows_merged", "warnings", "uploaded_by",
    "message",
)  # fmt: skip
TEMPLATES = Path(__file__).resolve().parent / "templates"
TABLE_COLUMNS = {
    "upload_id": "Upload", "uploaded_at": "When (UTC)", "file_name": "File",
    "channel": "Channel", "status": "Status", "rows_read": "Read",
    "rows_loaded": "Loaded", "rows_rejected": "Rejected", "rows_skipped": "Skipped",
    "uploaded_by": "By",
}  # fmt: skip
NUMERIC_COLUMNS = frozenset({"upload_id", "rows_read", "rows_loaded", "rows_rejected",
                             "rows_skipped"})  # fmt: skip


def create_app(db_path: Path | None = None) -> FastAPI:
    """The upload page, its upload endpoint and the list of recent uploads, for warehouse
    `db_path` (default: `config.default_db_path()`)."""
    db = Path(db_path) if db_path else config.default_db_path()
    # No /docs or /openapi.json: FastAPI's documentation pages load scripts from a CDN.
    app = FastAPI(title="WPS screening: upload", docs_url=None, redoc_url=None, openapi_url=None)
    one_upload_at_a_time = threading.Lock()
    one_read_at_a_time = threading.Lock()  # DuckDB refuses two opens of a file with other settings

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        uploads, problem = await run_in_threadpool(_recent_uploads, db, RECENT, one_read_at_a_time)
        nonce = secrets.token_urlsafe(16)
        return _html(render_page(uploads, problem, config.MAX_UPLOAD_BYTES, nonce), nonce)

    @app.get("/uploads/{upload_id}", response_class=HTMLResponse)
    async def upload_page(upload_id: int) -> HTMLResponse:
        """One upload: its counts, its problems (a whole-sheet one first), the columns read as
        what, the rows not loaded and why, and the feedback workbook to download."""
        nonce = secrets.token_urlsafe(16)
        try:
            details = await run_in_threadpool(_details, upload_id, db, one_read_at_a_time)
        except FeedbackError as error:
            return _html(render_message("No such upload", str(error), nonce), nonce, 404)
        except ScreeningError as error:
            message = f"The upload cannot be read now ({error}); reload the page in a moment."
            return _html(render_message("Upload", message, nonce), nonce, 503)
        return _html(render_upload(details, nonce), nonce)

    @app.get("/uploads/{upload_id}/feedback.xlsx")
    async def feedback_workbook(upload_id: int) -> Response:
        """The desk officer's own file back, every problem marked on its cell."""
        try:
            path, name = await run_in_threadpool(
                _feedback, upload_id, db, one_read_at_a_time
            )
        except FeedbackError as error:
            return _answer(404, "error", str(error))
        except ScreeningError as error:
            return _answer(503, "error", f"The feedback workbook cannot be made now ({error}).")
        return _download(path, name)

    @app.get("/template.xlsx")
    async def template_workbook(lang: str = "en", channel: str | None = None) -> Response:
        """An empty portfolio workbook that loads without a finding once filled in."""
        from faces.template import template_file_name, write_template
        from screening.template import LANGUAGES

        channel = (channel or "").strip().casefold() or None
        if lang not in LANGUAGES or (channel is not None and channel not in CHANNELS):
            return _answer(
                400, "error", f"Choose lang {' or '.join(LANGUAGES)}, and a channel of "
                f"{', '.join(CHANNELS)} or none.",
            )  # fmt: skip
        folder = Path(tempfile.mkdtemp(prefix="template-", dir=_work()))
        name = template_file_name(lang, channel)
        path = await run_in_threadpool(write_template, folder / name, lang, channel)
        return _download(path, name)

    @app.get("/uploads")
    async def uploads(limit: int = RECENT) -> JSONResponse:
        limit = min(max(limit, 1), 100)
        rows, problem = await run_in_threadpool(_recent_uploads, db, limit, one_read_at_a_time)
        if problem:
            return _answer(503, "error", problem)
        return JSONResponse({"uploads": rows})

    @app.post("/upload")
    async def upload(
        request: Request,
        file_name: str | None = None,
        channel: str | None = None,
        portfolio: str | None = None,
    ) -> JSONResponse:
        if (refusal := _cross_site(request)) is not None:
            return refusal
        name = safe_file_name(file_name or "")
        if not name:
            return _answer(
                400,
                "error",
                "Say the file's name: POST /upload?file_name=portfolio.xlsx, with the file "
                "itself as the request body.",
            )
        channel = (channel or "").strip().casefold() or None
        if channel is not None and channel not in CHANNELS:
            return _answer(
                400,
                "error",
                f'"{channel}" is not a channel; choose {", ".join(CHANNELS)}, or none to take '
                "the channel from the file.",
            )
        portfolio = _clean_text(portfolio or "") or None
        uploaded_by = _clean_text(request.headers.get(UPLOADER_HEADER, "")) or "web"

        limit = config.MAX_UPLOAD_BYTES
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return _too_large(name, f"{_size(int(declared))} (the limit is {_size(limit)})")
        config.work_dir().mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=config.work_dir()))
        try:
            path = folder / name
            received = 0
            with path.open("wb") as out:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > limit:  # a body sent without its length, or a lying one
                        return _too_large(name, f"more than {_size(limit)}")
                    out.write(chunk)
            outcome = await run_in_threadpool(
                _run_ingest,
                path,
                channel=channel,
                db=db,
                uploaded_by=uploaded_by,
                file_name=name,
                portfolio=portfolio,
                lock=one_upload_at_a_time,
            )
            if outcome.refused:
                return _answer(422, "refused", outcome.message or "", **_fields(outcome, name))
            return JSONResponse(
                await run_in_threadpool(_result, outcome, name, db, one_read_at_a_time)
            )
        except WarehouseBusy as error:
            return _answer(503, "error", f"{name}: not ingested. {error}")
        except ScreeningError as error:
            return _answer(500, "error", f"{name}: not ingested. {error}")
        except Exception as error:  # noqa: BLE001 - the edge: one sentence, never a traceback
            log.exception("upload of %r failed", name)
            return _answer(
                500,
                "error",
                f'Something unexpected went wrong with "{name}" ({type(error).__name__}); '
                "an upload loads whole or not at all. Try again, and if it happens again tell "
                "the administrator, who finds the details in the server's log.",
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return app


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _html(page: str, nonce: str, status_code: int = 200) -> HTMLResponse:
    """A page of ours: its inline style and script run by nonce, nothing from elsewhere."""
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                "connect-src 'self'; form-action 'self'; base-uri 'none'; "
                "frame-ancestors 'none'"
            ),
            "Cache-Control": "no-store",
        },
    )


def _work() -> Path:
    config.work_dir().mkdir(parents=True, exist_ok=True)
    return config.work_dir()


def _download(path: Path, name: str) -> Response:
    """A workbook to save, removed from the work folder once sent."""
    from starlette.background import BackgroundTask

    return FileResponse(
        path, media_type=XLSX, filename=name,
        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
    )  # fmt: skip


def _details(upload_id: int, db: Path, lock: threading.Lock) -> UploadFeedback:
    with lock:
        return upload_details(upload_id, db)


def _feedback(upload_id: int, db: Path, lock: threading.Lock) -> tuple[Path, str]:
    from faces.feedback import feedback_file_name, write_feedback

    folder = Path(tempfile.mkdtemp(prefix="feedback-", dir=_work()))
    try:
        with lock:
            upload = upload_details(upload_id, db).upload
            name = feedback_file_name(upload["file_name"])
            return write_feedback(config.readable_db(db), upload_id, folder / "feedback.xlsx"), name
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def safe_file_name(name: str) -> str:
    """The name to keep for an uploaded file: its last path component only (a browser or a
    client may send `C:\\fakepath\\x.xlsx` or `../../x.xlsx`), without control or format
    characters, other white space as spaces, at most MAX_NAME_BYTES in UTF-8 (the extension
    kept). Empty when nothing usable is left."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(
        " " if ch.isspace() else ch
        for ch in base
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    ).strip()
    if not base.strip("."):
        return ""
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        suffix = Path(base).suffix if len(Path(base).suffix) <= 10 else ""
        stem = base[: len(base) - len(suffix)]
        budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip()
        base = stem + suffix
    return base


def _clean_text(text: str) -> str:
    """A short line of user text: control characters dropped, white space collapsed."""
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C") or ch == " ")
    return " ".join(text.split())[:MAX_TEXT]


def _run_ingest(
    path: Path, *, lock: threading.Lock, db: Path, **options: str | None
) -> UploadOutcome:
    """The real flow, as `screening ingest` runs it: with a Prefect server (PREFECT_API_URL,
    as `screening up` sets), on its workers, several uploads at once; else in this process,
    one upload at a time."""
    if os.environ.get("PREFECT_API_URL"):
        from flows.deploy import ingest_on_server

        return UploadOutcome.of(ingest_on_server(path, {"db": db, **options}))
    from flows.ingest import ingest_portfolio

    with lock:
        return UploadOutcome.of(ingest_portfolio(str(path), db=str(db), **options))


def _result(outcome: UploadOutcome, name: str, db: Path, lock: threading.Lock) -> dict:
    """The JSON answer for a loaded or duplicate upload: its `uploads` row, what `ingest`
    would print (`summary_lines`), how it went (`kind`: loaded, nothing, duplicate), its
    problems grouped (a whole-sheet one first), the columns read as what, and links to its
    page and its feedback workbook."""
    kind = "duplicate" if outcome.duplicate else "nothing" if outcome.loaded_nothing else "loaded"
    result = {
        **_fields(outcome, name),
        "kind": kind,
        "summary_lines": outcome.lines(name, explain_hint=False),
        "issues": [],
        "columns": [],
    }
    if outcome.upload_id is not None:
        result["links"] = {
            "page": f"uploads/{outcome.upload_id}",
            "feedback": f"uploads/{outcome.upload_id}/feedback.xlsx",
        }
    if outcome.duplicate or outcome.upload_id is None:
        result["first_loaded_at"] = result["uploaded_at"]
        return result
    try:
        with lock:
            details = upload_details(outcome.upload_id, db)
    except ScreeningError as error:
        result["details_error"] = f"The details could not be listed now ({error})."
        return result
    return {**result, **details_json(details, MAX_REJECTED_LISTED)}


def _fields(outcome: UploadOutcome, name: str) -> dict:
    """The outcome as the page's JSON answers give it; `file_name` is the name as uploaded."""
    return {**outcome.as_json(), "file_name": outcome.file_name or name}


def _recent_uploads(db: Path, limit: int, lock: threading.Lock) -> tuple[list[dict], str | None]:
    """The latest uploads from the published snapshot, newest first, and a sentence when they
    cannot be read now."""
    import json

    from screening import warehouse

    readable = config.readable_db(db)
    if not readable.exists():
        return [], None
    try:
        with lock:
            frame = warehouse.recent_uploads(readable, limit)
    except ScreeningError as error:
        return [], f"The list of uploads cannot be read now ({error})."
    except Exception as error:  # noqa: BLE001 - e.g. the first upload still holds the file
        log.warning("recent uploads not read: %s", error)
        return [], "The list of uploads cannot be read now; reload the page in a moment."
    frame = frame[[column for column in UPLOAD_COLUMNS if column in frame]]
    return json.loads(frame.to_json(orient="records", date_format="iso")), None


def _cross_site(request: Request) -> JSONResponse | None:
    """Refuse an upload that a page of another site makes the browser send (the warehouse
    would record it under the officer's name, behind the single sign-on). Programs such as
    curl send no Origin and pass."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    hosts = {request.headers.get("host", "")}
    hosts.update(h.strip() for h in request.headers.get("x-forwarded-host", "").split(","))
    if origin != "null" and urlsplit(origin).netloc in hosts - {""}:
        return None
    return _answer(403, "error", "Uploads are accepted from this service's own upload page only.")


def _too_large(name: str, detail: str) -> JSONResponse:
    """The refusal `screening ingest` gives a file over SCREENING_MAX_UPLOAD_BYTES, said
    before the body is read (it is not recorded in the warehouse: nothing was received)."""
    refused = refusal("upload.too_large", name, detail)
    return _answer(413, "refused", str(refused), rule=refused.rule, file_name=name)


def _size(n_bytes: int) -> str:
    return human_size(n_bytes)


def _answer(status_code: int, status: str, message: str, /, **more: object) -> JSONResponse:
    return JSONResponse({**more, "status": status, "message": message}, status_code=status_code)


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)


def _page(name: str = "upload.html") -> Template:
    return _environment().get_template(name)


def render_page(uploads: list[dict], problem: str | None, max_bytes: int, nonce: str = "") -> str:
    """The upload page, with the latest uploads in a table; every value is escaped."""
    from screening import rules

    too_large = rules.rule("upload.too_large").format(file_name="{file_name}", detail="{detail}")
    return _page().render(
        nonce=nonce,
        max_bytes=int(max_bytes),
        max_size=_size(max_bytes),
        too_large=too_large,
        accept=",".join(config.PORTFOLIO_SUFFIXES),
        channels=CHANNELS,
        problem=problem,
        uploads=uploads,
        columns=TABLE_COLUMNS,
        numeric=NUMERIC_COLUMNS,
        cell=_cell,
        languages={"en": "English", "da": "Dansk"},
    )


def render_upload(details: UploadFeedback, nonce: str = "") -> str:
    """The page of one upload; every value is escaped."""
    outcome = UploadOutcome.of(details.upload)
    issues = details.issues
    rejected = details.findings[details.findings["severity"] == "error"]
    return _page("upload_detail.html").render(
        nonce=nonce,
        upload=details.upload,
        outcome=outcome,
        lines=outcome.lines(explain_hint=False),
        problems=[i for i in issues if i.whole_sheet],
        grouped=[i for i in issues if not i.whole_sheet and i.severity != "error"],
        rejected=rejected.head(MAX_REJECTED_LISTED).to_dict("records"),
        rejected_total=len(rejected),
        columns=details_json(details, 0)["columns"],
        screened=len(details.screening),
        cell=_cell,
    )


def render_message(title: str, message: str, nonce: str = "") -> str:
    return _page("upload_detail.html").render(nonce=nonce, title=title, message=message)


def _cell(row: dict, column: str) -> str:
    import pandas as pd

    value = row.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if column == "uploaded_at":
        return str(value)[:16].replace("T", " ")
    if column == "row_number":
        return str(int(value))
    return str(value)

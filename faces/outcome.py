"""What an upload did, in a desk officer's words: said by `screening ingest` and `watch`, and
shown by the upload page (`faces.web`), so all of them say the same thing.

The ingest flow returns the upload's `uploads` row as a dict (flows know nothing of faces);
`UploadOutcome.of` turns it into one typed object, the only place that reads its keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from screening import config

if TYPE_CHECKING:  # pandas and the warehouse load only when details are read
    import pandas as pd

    from screening.feedback import UploadFeedback


@dataclass(frozen=True)
class Screened:
    """How the upload's projects were screened: how many, by which rubric, counts by flag."""

    rubric_version: str
    screened: int
    evidence: int = 0
    flags: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadOutcome:
    """One upload as the ingest flow left it: loaded, a duplicate of an earlier one, or refused.

    The counts add up (`rows_read = rows_loaded + rows_rejected + rows_skipped + rows_merged`);
    `message` and `rule` say why a refused upload was refused; `no_longer_current` counts the
    projects of the portfolio's previous version this one does not hold.
    """

    file_name: str
    status: str
    upload_id: int | None = None
    uploaded_at: datetime | None = None
    uploaded_by: str | None = None
    portfolio: str | None = None
    channel: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_merged: int = 0
    warnings: int = 0
    rule: str | None = None
    message: str | None = None
    duplicate: bool = False
    no_longer_current: int = 0
    screening: Screened | None = None

    @classmethod
    def of(cls, summary: Mapping[str, Any]) -> UploadOutcome:
        """The outcome from what `flows.ingest.ingest_portfolio` returned."""
        known = {f.name for f in fields(cls)} - {"screening"}
        values = {k: _plain(v) for k, v in summary.items() if k in known and v is not None}
        screened = summary.get("screening")
        return cls(
            **values,
            screening=Screened(**{k: _plain(v) for k, v in screened.items()}) if screened else None,
        )

    @property
    def refused(self) -> bool:
        return self.status == "refused"

    @property
    def loaded_nothing(self) -> bool:
        """Loaded as an upload, but not one project in it: never to be shown as a success."""
        return not self.refused and not self.duplicate and self.rows_loaded == 0

    def lines(self, name: str | None = None, explain_hint: bool = True) -> list[str]:
        """What `ingest` says first about a loaded (or duplicate) upload, a line an item: the
        counts, then what is no longer current and how it was screened. The upload page leaves
        out the hint to run `screening explain`."""
        name = name or self.file_name
        when = f"{self.uploaded_at:%Y-%m-%d %H:%M}" if self.uploaded_at else "an earlier day"
        if self.duplicate:
            same = "" if name == self.file_name else f' ("{self.file_name}")'
            return [
                f"{name}: the same content, with the same channel, is already the current "
                f'version of portfolio "{self.portfolio}" (upload {self.upload_id}{same}, '
                f"{when} UTC); not loaded again. To load it with another channel, or as "
                "another portfolio, choose them when uploading."
            ]
        if self.loaded_nothing:
            marked = (
                f"`screening feedback {self.upload_id}` writes your file back"
                if explain_hint
                else "the feedback workbook is your file"
            )
            return [
                f"{name}: upload {self.upload_id} — nothing loaded: {self.rows_read} rows read, "
                f"{self.rows_rejected} rejected, {self.rows_skipped} skipped.",
                f"Correct the file as said below, then upload it again; {marked} with every "
                "problem marked on its cell.",
            ]
        lines = [
            f"{name}: upload {self.upload_id} ({self.channel or 'no channel'}) — "
            f"{self.rows_read} rows read: {self.rows_loaded} loaded, "
            f"{self.rows_rejected} rejected, {self.rows_skipped} skipped"
            + (f", {self.rows_merged} merged" if self.rows_merged else "")
            + (f"; {self.warnings} warnings" if self.warnings else "")
            + "."
        ]
        if dropped := self.no_longer_current:
            lines.append(
                f"{dropped} project{'s' if dropped > 1 else ''} of portfolio "
                f'"{self.portfolio}" {"are" if dropped > 1 else "is"} not in this version '
                "and no longer current (the history keeps them: table projects)."
            )
        if (screened := self.screening) and screened.screened:
            flags = ", ".join(f"{n} {flag}" for flag, n in sorted(screened.flags.items()))
            hint = " See: screening explain PROJECT_ID" if explain_hint else ""
            lines.append(
                f"Screened {screened.screened} projects (rubric {screened.rubric_version}): "
                f"{flags or 'none'}.{hint}"
            )
        return lines

    def as_json(self) -> dict[str, Any]:
        """The outcome as JSON values (times in ISO 8601), for the upload page's answers."""
        out = asdict(self)
        if self.uploaded_at is not None:
            out["uploaded_at"] = self.uploaded_at.isoformat(timespec="seconds")
        return out


def _plain(value: object) -> Any:
    """A NumPy scalar as its Python value (DuckDB and pandas hand some back)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if hasattr(value, "item") and not isinstance(value, datetime):
        return value.item()
    return value


def upload_details(upload_id: int, db: Path) -> UploadFeedback:
    """What an upload left to tell beyond its counts (its findings grouped, its columns as
    read, its projects' screening), from the published snapshot. Raises `ScreeningError` when
    the warehouse cannot be read."""
    from screening.feedback import upload_feedback

    return upload_feedback(config.readable_db(db), upload_id)


def detail_lines(details: UploadFeedback) -> list[str]:
    """What `ingest` says after the counts: a problem of a whole sheet first, the columns read,
    the rows not loaded with why, warnings grouped by rule with their rows, skipped lines and
    notes."""
    issues = details.issues
    lines = [f"Problem: {i.message}" for i in issues if i.whole_sheet]
    lines += column_lines(details.columns)
    rejected = [m for i in issues if i.severity == "error" and not i.whole_sheet
                for m in i.messages]  # fmt: skip
    if rejected:
        lines.append("Rows not loaded, and why:")
        lines += [f"  {message}" for message in rejected]
    for severity, heading in (("warning", "Warnings (the rows loaded):"),
                              ("skip", "Skipped, not projects:")):  # fmt: skip
        grouped = [i for i in issues if i.severity == severity]
        if grouped:
            lines.append(heading)
            lines += [f"  {i.title}, {i.where}: {i.message}" if len(i.messages) == 1
                      else f"  {i.title}, {i.where} ({len(i.messages)}); e.g. {i.message}"
                      for i in grouped]  # fmt: skip
    lines += [f"Note: {m}" for i in issues if i.severity == "info" for m in i.messages]
    return lines


def column_lines(columns: pd.DataFrame) -> list[str]:
    """Which columns of each sheet were read as which field, and which were not."""
    from screening.rules import column_label

    lines = []
    for sheet, part in columns.groupby("sheet", sort=False):
        row = part["header_row"].iloc[0]
        known = part.dropna(subset=["field"])
        unknown = part[part["field"].isna()]
        read = ", ".join(
            f"{h} → {column_label(f)}" for h, f in zip(known["header"], known["field"], strict=True)
        )
        text = f'Columns of "{sheet}" (header on row {row}): {read or "none recognised"}'
        if len(unknown):
            text += "; not recognised, kept as extra: " + ", ".join(unknown["header"])
        lines.append(text + ".")
    return lines


def details_json(details: UploadFeedback, max_rows: int) -> dict[str, Any]:
    """The same for the upload page: issues grouped, the columns, the rows not loaded."""
    import pandas as pd

    from screening.rules import column_label

    issues = [
        {"severity": i.severity, "rule": i.rule, "title": i.title, "where": i.where,
         "whole_sheet": i.whole_sheet, "message": i.message, "count": len(i.messages),
         "messages": list(i.messages[:max_rows])}
        for i in details.issues
    ]  # fmt: skip
    columns = [
        {"sheet": r.sheet, "header_row": _plain(r.header_row), "column": r.column_letter,
         "header": r.header, "field": None if pd.isna(r.field) else column_label(r.field)}
        for r in details.columns.itertuples(index=False)
    ]  # fmt: skip
    return {"issues": issues, "columns": columns}

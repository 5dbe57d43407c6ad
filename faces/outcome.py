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
from typing import Any

from screening import config


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

    def lines(self, name: str | None = None, explain_hint: bool = True) -> list[str]:
        """What `ingest` says first about a loaded (or duplicate) upload, a line an item: the
        counts, then what is no longer current and how it was screened. The upload page leaves
        out the hint to run `screening explain`."""
        name = name or self.file_name
        when = f"{self.uploaded_at:%Y-%m-%d %H:%M}" if self.uploaded_at else "an earlier day"
        if self.duplicate:
            same = "" if name == self.file_name else f' ("{self.file_name}")'
            return [
                f"{name}: the same content was loaded as upload {self.upload_id}{same} "
                f"on {when} UTC; not loaded again."
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


def upload_details(upload_id: int, db: Path) -> tuple[list[str], list[dict]]:
    """The notes (findings of severity info) and the rows not loaded of an upload, read from
    the published snapshot: `(messages, [{sheet, row_number, column_name, message}])`, in the
    order `ingest` lists them. Raises `ScreeningError` when the warehouse cannot be read."""
    import pandas as pd

    from screening import warehouse

    notes = warehouse.query(
        config.readable_db(db),
        "SELECT message FROM findings WHERE upload_id = ? AND severity = 'info' ORDER BY sheet",
        [upload_id],
    )
    rejected = warehouse.query(
        config.readable_db(db),
        "SELECT sheet, row_number, column_name, message FROM rejected_rows WHERE upload_id = ? "
        "ORDER BY sheet, row_number, column_name",
        [upload_id],
    )
    rows = [
        {key: None if pd.isna(value) else value for key, value in row.items()}
        for row in rejected.to_dict("records")
    ]
    for row in rows:
        if row["row_number"] is not None:
            row["row_number"] = int(row["row_number"])
    return [message for (message,) in notes.itertuples(index=False)], rows

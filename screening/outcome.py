"""What an upload did, in a desk officer's words: said by `screening ingest` and shown by the
upload page (`screening.web`), so both say the same thing."""

from __future__ import annotations

from pathlib import Path

from screening import config


def upload_lines(summary: dict, name: str | None = None, explain_hint: bool = True) -> list[str]:
    """What `ingest` says first about a loaded (or duplicate) upload, a line an item: the
    counts, then what is no longer current and how it was screened. The upload page leaves
    out the hint to run `screening explain`."""
    name = name or summary["file_name"]
    if summary.get("duplicate"):
        same = "" if name == summary["file_name"] else f' ("{summary["file_name"]}")'
        return [
            f"{name}: the same content was loaded as upload {summary['upload_id']}{same} "
            f"on {summary['uploaded_at']:%Y-%m-%d %H:%M} UTC; not loaded again."
        ]
    lines = [
        f"{name}: upload {summary['upload_id']} ({summary['channel'] or 'no channel'}) — "
        f"{summary['rows_read']} rows read: {summary['rows_loaded']} loaded, "
        f"{summary['rows_rejected']} rejected, {summary['rows_skipped']} skipped"
        + (f", {summary['rows_merged']} merged" if summary.get("rows_merged") else "")
        + (f"; {summary['warnings']} warnings" if summary.get("warnings") else "")
        + "."
    ]
    if dropped := summary.get("no_longer_current"):
        lines.append(
            f"{dropped} project{'s' if dropped > 1 else ''} of portfolio "
            f'"{summary["portfolio"]}" {"are" if dropped > 1 else "is"} not in this version '
            "and no longer current (the history keeps them: table projects)."
        )
    if (screened := summary.get("screening")) and screened["screened"]:
        flags = ", ".join(f"{n} {flag}" for flag, n in sorted(screened["flags"].items()))
        hint = " See: screening explain PROJECT_ID" if explain_hint else ""
        lines.append(
            f"Screened {screened['screened']} projects (rubric {screened['rubric_version']}): "
            f"{flags or 'none'}.{hint}"
        )
    return lines


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

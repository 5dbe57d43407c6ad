"""Screen every current project again: after the rubric or its reference lists changed."""

from __future__ import annotations

from prefect import flow

from flows.tasks import publish, screen
from screening import config


@flow(name="rescreen_warehouse")
def rescreen_warehouse(db: str | None = None) -> dict:
    """Re-screen the whole warehouse with the current rubric, then publish the snapshot."""
    db = db or str(config.default_db_path())
    summary = screen(db)
    publish(db)
    return summary


if __name__ == "__main__":
    print(rescreen_warehouse())

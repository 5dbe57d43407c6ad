"""Prefect flows: thin orchestration of the stages in `screening/`.

Importing this package keeps Prefect on this machine (no telemetry, its home under data/),
which must happen before Prefect itself is imported.
"""

from screening.config import configure_offline

configure_offline()

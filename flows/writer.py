"""One writer at a time, enforced by Prefect: the `duckdb-writer` global concurrency limit.

DuckDB lets one process open a database file for writing, and that process then keeps every
other one out, readers included. So every step that opens the warehouse (load, screen,
publish, and the look-ups they need) holds the one slot of `duckdb-writer`, on every worker
of every machine that talks to the same Prefect server; reading, normalising and validating
an upload hold nothing and run in parallel.

`strict=True`: a missing limit is an error, never an unguarded write. `screening up` (and the
command line, before it runs a flow on its own ephemeral API) creates the limit.

The slot is leased: while it is held a background thread renews the lease every
0.75 × LEASE_SECONDS, so the largest upload keeps it as long as it needs; a run that
crashed stops renewing, and Prefect's repossessor (every 15 s) frees the slot within
LEASE_SECONDS + 15 s (`screening up` looks every 5 s).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from screening.errors import ConfigurationError, WarehouseBusy

WRITER_LIMIT = "duckdb-writer"
LEASE_SECONDS = 60  # the least Prefect accepts

P = ParamSpec("P")
R = TypeVar("R")

MISSING_LIMIT = (
    f"The Prefect concurrency limit {WRITER_LIMIT!r}, which lets one step at a time write "
    "the warehouse, does not exist on this Prefect server, so nothing was written. Start the "
    f"system with `screening up`, or create it: prefect gcl create {WRITER_LIMIT} --limit 1"
)


@contextmanager
def writer_slot() -> Iterator[None]:
    """Hold the one slot of `duckdb-writer` (waiting for it); open the warehouse only inside."""
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    try:
        with concurrency(WRITER_LIMIT, occupy=1, strict=True, lease_duration=LEASE_SECONDS):
            yield
    except ConcurrencySlotAcquisitionError as error:
        if "must be created" in str(error):
            raise ConfigurationError(MISSING_LIMIT) from error
        raise WarehouseBusy(
            f"The Prefect server did not grant the warehouse's writer slot ({error}); "
            "nothing was written. Check that the server runs (screening status), then try again."
        ) from error


def one_writer(step: Callable[P, R]) -> Callable[P, R]:
    """Run the task `step` holding the writer slot, so that its whole run (retries included),
    as the Prefect API records it, lies inside the slot."""

    @functools.wraps(step)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        with writer_slot():
            return step(*args, **kwargs)

    return guarded


def ensure_writer_limit() -> bool:
    """Create `duckdb-writer` (1 slot) on the current Prefect API unless it exists; True when
    it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WRITER_LIMIT)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=WRITER_LIMIT, limit=1)
            )
        except ObjectAlreadyExists:  # another process created it meanwhile
            return False
        return True

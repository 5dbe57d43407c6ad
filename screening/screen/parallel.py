"""The multi-process path: contiguous shares screened in forked workers, handed back as Arrow
files in /dev/shm, while the parent screens its own share."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)

from screening.rubric import Rubric
from screening.screen.setting import years_of

# From here a second process pays for its fork and hand-back (bench/bench_screen.py, quiet
# 2-core machine: 1M projects in about 18 s on one process, 9.3-10.4 s on two).
PARALLEL_FROM = 300_000
# The parent screens its own share while the forked workers screen theirs and write them to
# /dev/shm (~0.09 s per 100k projects on top of ~1.9 s screening): its share is 5% larger.
PARENT_SHARE = 1.05

Frames = tuple[pd.DataFrame, pd.DataFrame]
ScreenRange = Callable[[pd.DataFrame, Rubric, int, bool, int, int], list[Frames]]

# (screen_range, projects, rubric, chunk_size, with_context, dir), for fork
_FORKED: tuple | None = None


def _forked_share(bounds: tuple[int, int]) -> list[str]:
    """Screen one share in a forked worker; write each chunk's frames as Arrow IPC files.

    Files (in /dev/shm where there is one: memory, not disk) cost one copy to write and none to
    read: the parent memory-maps them. Pickling the frames back through a pipe cost more than
    the share saved.
    """
    assert _FORKED is not None
    screen_range, projects, rb, chunk_size, with_context, tmp = _FORKED
    paths = []
    for i, (res, ev) in enumerate(screen_range(projects, rb, chunk_size, with_context, *bounds)):
        for kind, df in (("res", res), ("ev", ev)):
            path = os.path.join(tmp, f"{bounds[0]}-{i}-{kind}.arrow")
            table = pa.Table.from_pandas(df, preserve_index=True)
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
                w.write_table(table)
            paths.append(path)
    return paths


def _read_table(path: str) -> pa.Table:
    # Not closed here: the frame's Arrow-backed columns keep pointing into the mapping, which
    # outlives the file's name (the directory is removed once everything is read).
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def screen_forked(
    screen_range: ScreenRange,
    projects: pd.DataFrame,
    rb: Rubric,
    chunk_size: int,
    with_context: bool,
    workers: int,
) -> list[Frames]:
    """Contiguous shares, gathered in order: the parent screens the first share itself
    while forked processes screen the others and hand them back through Arrow files.

    The parent would otherwise sit idle; screening a share in place also spares that share the
    write to and read from /dev/shm. A worker's chunks are concatenated as Arrow tables and
    converted to pandas once, so its categoricals are decoded once, not once per chunk.
    """
    global _FORKED
    n = len(projects)
    # The parent's share is a little larger: the workers also write their frames out.
    cuts = np.round(
        np.cumsum([0.0, PARENT_SHARE] + [1.0] * (workers - 1)) / (PARENT_SHARE + workers - 1) * n
    )
    cuts = np.unique(cuts.astype(np.int64)).tolist()
    bounds = list(zip(cuts[:-1], cuts[1:], strict=True))
    if len(bounds) == 1:
        return screen_range(projects, rb, chunk_size, with_context, *bounds[0])
    _ = rb.terms, rb.vocabulary, years_of(rb)  # compile once, before the fork
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="screen-", dir=shm) as tmp:
        _FORKED = (screen_range, projects, rb, chunk_size, with_context, tmp)
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(len(bounds) - 1, mp_context=ctx) as pool:
                futures = [pool.submit(_forked_share, b) for b in bounds[1:]]
                outs = screen_range(projects, rb, chunk_size, with_context, *bounds[0])
                shares = [f.result() for f in futures]
        finally:
            _FORKED = None
        for paths in shares:
            tables = [_read_table(path) for path in paths]
            outs.append(
                (
                    pa.concat_tables(tables[0::2]).to_pandas(),
                    pa.concat_tables(tables[1::2]).to_pandas(),
                )
            )
    return outs

"""The multi-process screening path, which the default takes from PARALLEL_FROM projects
(300,000), run on a small input with the threshold lowered: same answer as one process."""

from __future__ import annotations

import multiprocessing

import pandas as pd
import pytest

from screening.screen import engine as screening
from tests.test_screen import frame, labelled

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the parallel path forks"
)


def test_the_default_forks_from_the_threshold_and_gives_the_same_answer(monkeypatch) -> None:
    rows = [
        {"id": f"P{i}", "t": item["t"], "d": item.get("d"), "cc": item.get("cc")}
        for i, item in enumerate(labelled())
    ]
    projects = frame(rows)
    one_process, one_evidence = screening.screen(projects, chunk_size=7, workers=1)

    forked = []
    real = screening.screen_forked

    def counted(*args, **kwargs):
        forked.append(args[-1])  # the number of workers
        return real(*args, **kwargs)

    monkeypatch.setattr(screening, "PARALLEL_FROM", len(projects))
    monkeypatch.setattr(screening, "screen_forked", counted)
    monkeypatch.setattr(screening.os, "cpu_count", lambda: 2)
    results, evidence = screening.screen(projects, chunk_size=7)

    assert forked == [2]
    pd.testing.assert_frame_equal(results, one_process)
    pd.testing.assert_frame_equal(
        evidence.reset_index(drop=True), one_evidence.reset_index(drop=True)
    )

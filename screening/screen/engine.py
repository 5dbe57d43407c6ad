"""The engine: one batch of projects in, the result and evidence frames out."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from screening import vocabulary
from screening.rubric import FIELDS, PILLARS, TEXT_FIELDS, Rubric, resolve_rubric
from screening.screen.matching import (
    _aggregates,
    _arrow_text,
    _broadcast,
    _code_hits,
    _concat,
    _contexts,
    _distinct,
    _Hits,
    _per_row,
    _scan_field,
    _select,
    _take,
    gender_sentence_share,
)
from screening.screen.parallel import PARALLEL_FROM, screen_forked
from screening.screen.scoring import _claims, _confidence, _score, _summaries
from screening.textmatch import Corpus, fold_array, has_words_from

RESULT_COLUMNS = [
    "project_id",
    "channel",
    "rubric_version",
    *PILLARS,
    "wps_relevant",
    "wps_setting",
    "setting_basis",
    "marker_scheme",
    "marker_claimed",
    "marker_assessed",
    "marker_flag",
    "gender_score",
    "confidence",
    "word_count",
    "summary",
]
EVIDENCE_COLUMNS = [
    "project_id",
    "criterion",
    "framework",
    "field",
    "matched_text",
    "direction",
    "pillar",
    "role",
    "weight",
    "sentence_role",
    "context",
]
KEY_COLUMNS = ("upload_id", "sheet", "row_number")
FLAGS: tuple[str, ...] = tuple(vocabulary.FLAGS)
DEFAULT_CHUNK = 200_000
AGGREGATE_SUMMARY = "Aggregate of small activities reported in bulk: not screened."


def key_columns(projects: pd.DataFrame) -> list[str]:
    """Columns passed through so results join back: upload id, sheet, row number, other ids."""
    keys = [c for c in KEY_COLUMNS if c in projects.columns]
    keys += [
        c for c in projects.columns if c.endswith("_id") and c not in keys and c != "project_id"
    ]
    return keys


def _screen_batch(
    frame: pd.DataFrame, rubric: Rubric, with_context: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(frame)
    parts: list[_Hits] = []
    covered = np.zeros(n, dtype=bool)  # the description is in a language the rubric covers
    gender_share = np.zeros(n)  # share of the description's sentences about women or gender
    words = np.zeros(n, dtype=np.int64)
    folded: dict[str, Corpus] = {}
    cues = [w for ws in rubric.language_cues.values() for w in ws]
    min_cues = int(rubric.scoring.get("confidence", {}).get("language_cues", 2))
    inverse: dict[str, np.ndarray | None] = {}
    for fi, name in enumerate(TEXT_FIELDS):
        if name not in frame:
            continue
        # Each distinct text is folded and scanned once; its results go to every row holding it.
        distinct, inv = _distinct(_arrow_text(frame[name]))
        corpus = folded[name] = fold_array(distinct)
        inverse[name] = inv
        found = _scan_field(rubric, corpus, fi)
        parts.append(_broadcast(found, inv))
        if name != "partner":
            if name == "description":
                covered = _per_row(has_words_from(corpus, cues, min_cues), inv)
                gender_share = _per_row(gender_sentence_share(rubric, corpus, found), inv)
            words += _per_row(corpus.word_counts(), inv)
    same_as_title = np.zeros(n, dtype=bool)
    if "title" in folded and "description" in folded:
        eq = pa.compute.equal(
            _take(folded["title"].as_arrow(), inverse["title"]),
            _take(folded["description"].as_arrow(), inverse["description"]),
        )
        same_as_title = eq.to_numpy(zero_copy_only=False).astype(bool)
        d_words = _per_row(folded["description"].word_counts(), inverse["description"])
        words -= np.where(same_as_title, d_words, 0)
    parts += _code_hits(rubric, frame)
    hits = _concat(parts)
    aggregate = _aggregates(frame)
    if aggregate.any():
        # CRS bulk lines carry money, not project text: no evidence, nothing guessed.
        hits = _select(hits, ~aggregate[hits.row])
    s = _score(rubric, hits, n, gender_share)
    claims = _claims(rubric, frame, s["assessed"])
    confidence = _confidence(rubric, words, covered, same_as_title)
    assessed = pd.array(s["assessed"], dtype="Int8")
    summary = _summaries(s["level"], s["setting"], s["assessed"], claims, confidence).to_numpy()
    if aggregate.any():
        assessed[aggregate] = pd.NA
        claims["flag"] = claims["flag"].mask(aggregate, "not_screened")
        confidence = np.where(aggregate, "low", confidence)
        summary = np.where(aggregate, AGGREGATE_SUMMARY, summary).astype(object)

    idx = frame.index
    results = pd.DataFrame(index=idx)
    for k in key_columns(frame):
        results[k] = frame[k]
    results["project_id"] = (
        frame["project_id"]
        if "project_id" in frame
        else pd.Series(pd.NA, index=idx, dtype="string")
    )
    results["channel"] = (
        frame["channel"] if "channel" in frame else pd.Series(pd.NA, index=idx, dtype="string")
    )
    results["rubric_version"] = rubric.version
    for i, p in enumerate(PILLARS):
        results[p] = pd.array(s["level"][:, i], dtype="Int8")
    results["wps_relevant"] = s["relevant"]
    results["wps_setting"] = s["setting"]
    results["setting_basis"] = pd.array(
        np.asarray(rubric.setting_bases, dtype=object)[s["basis"]], dtype="string"
    )
    results["marker_scheme"] = claims["scheme"]
    results["marker_claimed"] = claims["claimed"]
    results["marker_assessed"] = assessed
    results["marker_flag"] = claims["flag"]
    results["gender_score"] = np.round(s["G"], 2)
    results["confidence"] = pd.array(confidence, dtype="string")
    results["word_count"] = pd.array(words, dtype="Int64")
    results["summary"] = summary

    evidence = _evidence_frame(rubric, frame, hits, folded if with_context else None)
    return results, evidence


def _evidence_frame(
    rubric: Rubric, frame: pd.DataFrame, hits: _Hits, folded: dict[str, Corpus] | None
) -> pd.DataFrame:
    """One row per (project, criterion, field, phrase, direction), in project order."""
    against = hits.against.astype(np.int8)
    n_crit, n_f = len(rubric.criteria), len(FIELDS)
    width = len(rubric.vocabulary.texts)
    key = (
        ((hits.row * n_crit + hits.crit) * n_f + hits.field) * width + hits.text
    ) * 2 + against.astype(np.int64)
    # Of the same phrase in several sentences, show the one that states something about the
    # project (an aim, activity or target, not a risk) when there is one, else the first.
    pl = rubric.scoring.get("pillar", {})
    stated = ((hits.roles & rubric.role_bits(*pl.get("explicit_roles", []))) != 0) & (
        (hits.roles & rubric.role_bits(*pl.get("passing_roles", []))) == 0
    )
    order = np.argsort(key * 2 + ~stated, kind="stable")  # by key, stated first, text order
    ks = key[order]
    first = order[np.concatenate([[True], ks[1:] != ks[:-1]])] if len(ks) else order
    row, crit = hits.row[first], hits.crit[first]
    crits = rubric.criteria

    def per_criterion(values: list[str | None]) -> pd.Categorical:
        """A categorical over the criteria, same categories in every batch (so batches concat)."""
        cats = sorted({v for v in values if v is not None})
        pos = {v: i for i, v in enumerate(cats)}
        by_crit = np.array([pos[v] if v is not None else -1 for v in values], dtype=np.int64)
        return pd.Categorical.from_codes(by_crit[crit], categories=cats)

    ev = pd.DataFrame(
        {k: frame[k].array.take(row) for k in key_columns(frame)}
        | {
            "project_id": frame["project_id"].array.take(row) if "project_id" in frame else pd.NA,
            "criterion": per_criterion([c.id for c in crits]),
            "framework": per_criterion([c.framework for c in crits]),
            "field": pd.Categorical.from_codes(hits.field[first], categories=list(FIELDS)),
            "matched_text": pd.Categorical.from_codes(
                hits.text[first], categories=rubric.vocabulary.texts
            ),
            "direction": pd.Categorical.from_codes(against[first], categories=["for", "against"]),
            "pillar": per_criterion([",".join(c.pillars) or None for c in crits]),
            "role": per_criterion([c.marker or c.kind for c in crits]),
            "weight": rubric.column("weight").astype(float)[crit],
            "sentence_role": pd.Categorical.from_codes(
                hits.roles[first], categories=rubric.role_combinations
            ),
            "context": _contexts(hits, first, folded),
        }
    )
    ev.index = frame.index[row]
    return ev


def screen(
    projects: pd.DataFrame,
    rubric: Rubric | str | Path | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    with_context: bool = True,
    workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Screen a canonical ``projects`` frame; return ``(results, evidence)``.

    ``results`` has the index of ``projects`` and columns ``RESULT_COLUMNS`` preceded by the
    pass-through keys (``upload_id``, ``sheet``, ``row_number``, any other ``*_id``), so it joins
    back to the rows it came from and loads into ``screening_results`` as it is. ``evidence``
    has the same keys and ``EVIDENCE_COLUMNS``; its index is the project's index in ``projects``.

    Columns the frame lacks are treated as empty, so a frame with only ``project_id`` and
    ``title`` screens (with low confidence). ``rubric`` is a loaded :class:`Rubric`, a path to a
    rubric YAML, or None for the default. ``with_context=False`` skips the text snippets around
    each match (about 15% faster on very large batches).

    ``workers`` > 1 screens contiguous shares, one in the parent and the others in forked
    processes (the frame and the compiled automaton are inherited, not copied) where fork is
    available; the answer does not
    depend on it. Workers hand their frames back as Arrow IPC files in /dev/shm that the parent
    memory-maps (writing costs ~0.2 s per 200k projects, reading almost nothing), so it pays
    from a few hundred thousand projects; for small frames the fork costs more than it saves.
    The default (None) uses every core, up to 2, from PARALLEL_FROM projects, else one.
    """
    rb = resolve_rubric(rubric)
    if len(projects) == 0:
        res, ev = _screen_batch(
            pd.DataFrame({"project_id": pd.Series(dtype="string")}), rb, with_context
        )
        keys = key_columns(projects)
        return (
            pd.DataFrame(columns=[*keys, *RESULT_COLUMNS]).astype(
                res.dtypes.to_dict(), errors="ignore"
            ),
            pd.DataFrame(columns=[*keys, *EVIDENCE_COLUMNS]).astype(
                ev.dtypes.to_dict(), errors="ignore"
            ),
        )
    n = len(projects)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if n >= PARALLEL_FROM else 1
    workers = max(1, min(workers, -(-n // chunk_size)))
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        outs = screen_forked(_screen_range, projects, rb, chunk_size, with_context, workers)
    else:
        outs = _screen_range(projects, rb, chunk_size, with_context, 0, n)
    if len(outs) == 1:
        return outs[0]
    return pd.concat([o[0] for o in outs]), pd.concat([o[1] for o in outs])


def _screen_range(
    projects: pd.DataFrame, rb: Rubric, chunk_size: int, with_context: bool, lo: int, hi: int
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    return [
        _screen_batch(projects.iloc[i : min(i + chunk_size, hi)], rb, with_context)
        for i in range(lo, hi, chunk_size)
    ]

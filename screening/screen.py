"""The screening engine: every project against UNSCR 1325 and the gender equality strategy.

``screen(projects)`` returns two frames that map one-to-one onto the warehouse tables
``screening_results`` (one row per project) and ``screening_evidence`` (one row per criterion,
field, matched phrase and direction). Every number in a result can be traced to evidence rows,
and the rubric version that produced it is on every row.

How a project is scored (the rules themselves are in ``screening/rubrics/wps.yaml``):

1. Text fields are folded and scanned once with an Aho-Corasick automaton of every rubric term
   (:mod:`screening.textmatch`); purpose codes, the recipient's fragility and partners add
   evidence that is not text.
2. Counter-evidence spans (boilerplate, PSEA clauses, beneficiary lists, "not gender-specific")
   *suppress* the evidence that starts inside them, so "gender equality as a cross-cutting issue"
   does not count as a gender equality objective; a negation cue a few words before a match in
   the same sentence ("no gender analysis") turns that match against.
3. Distinct matches add up to a score per criterion (weight x field weight, capped); criteria feed
   pillar scores and a gender score; thresholds turn scores into levels (0/1/2).
4. Pillars count only in a WPS setting (fragile context, conflict text, peace and security code).

Everything is array arithmetic over the whole batch: no Python per project.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)

from screening.rubric import FIELDS, PILLARS, TEXT_FIELDS, Rubric, load_rubric
from screening.textmatch import Corpus, fold_array, has_words_from

__all__ = [
    "EVIDENCE_COLUMNS",
    "RESULT_COLUMNS",
    "SUMMARY_SQL",
    "explain",
    "gender_shares",
    "load_rates",
    "screen",
    "summarise",
]

RESULT_COLUMNS = [
    "project_id",
    "channel",
    "rubric_version",
    *PILLARS,
    "wps_relevant",
    "wps_setting",
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
    "context",
]
KEY_COLUMNS = ("upload_id", "sheet", "row_number")
FLAGS = ("consistent", "overclaimed", "underclaimed", "not_screened")
LEVEL_WORDS = {1: "passing", 2: "explicit"}
PILLAR_LABEL = {
    "participation": "participation",
    "protection": "protection",
    "prevention": "prevention",
    "relief_recovery": "relief and recovery",
}
DEFAULT_CHUNK = 200_000
# From here a second process pays for its fork and hand-back (bench/bench_screen.py, quiet
# 2-core machine: 1M projects in about 18 s on one process, 9.3-10.4 s on two).
PARALLEL_FROM = 300_000
# The parent screens its own share while the forked workers screen theirs and write them to
# /dev/shm (~0.09 s per 100k projects on top of ~1.9 s screening): its share is 5% larger.
PARENT_SHARE = 1.05
AGGREGATE_SUMMARY = "Aggregate of small activities reported in bulk: not screened."


def key_columns(projects: pd.DataFrame) -> list[str]:
    """Columns passed through so results join back: upload id, sheet, row number, other ids."""
    keys = [c for c in KEY_COLUMNS if c in projects.columns]
    keys += [
        c for c in projects.columns if c.endswith("_id") and c not in keys and c != "project_id"
    ]
    return keys


def _resolve(rubric: Rubric | str | Path | None) -> Rubric:
    return rubric if isinstance(rubric, Rubric) else load_rubric(rubric)


# ---------------------------------------------------------------------------------- matching
@dataclass
class _Hits:
    """Evidence found in one batch, as parallel arrays (one entry per match)."""

    row: np.ndarray
    crit: np.ndarray
    field: np.ndarray
    text: np.ndarray  # int: id in rubric.vocabulary (the term as written, the code, the country)
    against: np.ndarray  # bool: counts against (counter-evidence or negated)
    negated: np.ndarray  # bool
    start: np.ndarray  # int: where the match starts in its field's folded text (0 if not text)
    end: np.ndarray  # int: one past its end; the context snippet is cut only for stored rows


def _arrow_text(series: pd.Series) -> pa.Array:
    """The column as an Arrow string array: zero-copy when pandas already holds it in Arrow."""
    arr = pa.array(series, from_pandas=True)
    return (
        arr
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
        else arr.cast(pa.string())
    )


def _distinct(arr: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray | None]:
    """The distinct texts of a column (null is one of them) and each row's index into them;
    ``None`` instead of the index when every row is distinct (the texts are then the column).

    Real portfolios repeat titles, boilerplate and whole descriptions across rows, so folding
    and scanning each distinct text once, then handing its evidence to every row that holds it,
    saves most of the work on repetitive columns and costs one hash pass on the others.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pa.compute.dictionary_encode(arr, null_encoding="encode")
    if len(enc.dictionary) == len(arr):
        return arr, None  # dictionary order is first occurrence: all distinct means identity
    return enc.dictionary, enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _per_row(values: np.ndarray, inverse: np.ndarray | None) -> np.ndarray:
    return values if inverse is None else values[inverse]


def _take(arr: pa.Array, inverse: np.ndarray | None) -> pa.Array:
    return arr if inverse is None else arr.take(pa.array(inverse))


def _broadcast(hits: _Hits, inverse: np.ndarray | None) -> _Hits:
    """Hits found in distinct texts, repeated for every row holding that text.

    Each hit is repeated in place, so within a row the hits keep their text order (the first
    of several equal hits is still the one whose context is shown).
    """
    if inverse is None:
        return hits
    rows_by_text = np.argsort(inverse, kind="stable")
    count = np.bincount(inverse, minlength=int(hits.row.max(initial=-1)) + 1)
    ptr = np.concatenate([[0], np.cumsum(count)])
    k = count[hits.row]
    which = np.repeat(np.arange(len(k)), k)
    step = np.arange(len(which)) - np.repeat(np.cumsum(k) - k, k)
    out = _select(hits, which)
    out.row = rows_by_text[ptr[hits.row][which] + step]
    return out


def _scan_field(rubric: Rubric, corpus: Corpus, field_idx: int) -> _Hits:
    """Matches of one text field, after suppression and negation.

    Both look no further than the sentence, so each distinct sentence is scanned and judged
    once and its evidence placed wherever the sentence occurs.
    """
    sentences = corpus.sentences
    hits = _judge_sentences(rubric, sentences.distinct, field_idx)
    which, sentence, shift = sentences.place(hits.row)
    placed = _select(hits, which)
    placed.row = sentences.rows[sentence]
    placed.start += shift
    placed.end += shift
    return placed


def _judge_sentences(rubric: Rubric, corpus: Corpus, field_idx: int) -> _Hits:
    """Matches in a corpus of one sentence a row, after suppression and negation."""
    t = rubric.terms
    pid, start, end = t.matcher.scan(corpus)
    # One pattern can stand for several rubric terms (the same phrase in two criteria).
    counts = t.pattern_ptr[pid + 1] - t.pattern_ptr[pid]
    which = np.repeat(np.arange(len(pid)), counts)
    step = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
    term = t.pattern_terms[t.pattern_ptr[pid][which] + step]
    start, end = start[which], end[which]
    row = corpus.rows_of(start)
    kind = t.kind[term]

    cue = kind == 1
    cue_start, cue_end = start[cue], end[cue]

    ev = (kind == 0) & t.field_ok[term, field_idx]
    term, start, end, row = term[ev], start[ev], end[ev], row[ev]
    crit = t.criterion[term]
    crits = rubric.criteria
    suppresses = np.array([c.suppresses for c in crits])[crit]
    suppressible = np.array([c.suppressible for c in crits])[crit]
    negatable = np.array([c.negatable for c in crits])[crit]
    counter = np.array([c.kind == "counter" for c in crits])[crit]

    # Suppression: evidence that starts inside a counter-evidence span does not count. Spans of
    # suppressors that can themselves be suppressed (beneficiary lists inside boilerplate) are
    # settled first, then suppress in their turn.
    keep = np.ones(len(term), dtype=bool)
    primary = suppresses & ~suppressible
    secondary = suppresses & suppressible
    if primary.any():
        keep &= ~(_starts_inside(start[primary], end[primary], start) & suppressible)
    second = secondary & keep
    if second.any():
        keep &= ~(_starts_inside(start[second], end[second], start) & suppressible & ~suppresses)
    # Nesting: the longest phrase wins, so "gender-based violence" inside "survivors of
    # gender-based violence", or "women's rights" inside "women's rights organisations", is one
    # piece of evidence, not two.
    nested = np.array([c.kind in ("pillar", "marker") for c in crits])[crit] & keep
    if nested.any():
        keep &= ~(_inside_longer(start[nested], end[nested], start, end) & nested)
    term, start, end, row, crit = term[keep], start[keep], end[keep], row[keep], crit[keep]
    negatable, counter = negatable[keep], counter[keep]

    # Negation: the nearest cue before the match, same sentence (row), within the window.
    negated = np.zeros(len(term), dtype=bool)
    window = int(rubric.negation.get("window_words", 5))
    if len(cue_start) and negatable.any():
        j = np.searchsorted(cue_end, start + 1, side="right") - 1
        cand = np.flatnonzero((j >= 0) & negatable)
        jc = j[cand]
        cand_ok = corpus.rows_of(cue_start[jc]) == row[cand]
        cand, jc = cand[cand_ok], jc[cand_ok]
        gap = corpus.word_index(start[cand]) - corpus.word_index(cue_end[jc] - 1)
        negated[cand[gap <= window]] = True

    texts = rubric.vocabulary.term_ids[term]
    hits = _Hits(
        row=row,
        crit=crit,
        field=np.full(len(term), field_idx, dtype=np.int64),
        text=texts,
        against=counter | negated,
        negated=negated,
        start=start,
        end=end,
    )
    return hits


def _starts_inside(s_start: np.ndarray, s_end: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Does each position fall inside one of the spans (after its leading space)?"""
    order = np.argsort(s_start, kind="stable")
    s_start, reach = s_start[order], np.maximum.accumulate(s_end[order])
    j = np.searchsorted(s_start, start, side="right") - 1
    return (j >= 0) & (reach[np.maximum(j, 0)] > start + 1)


def _inside_longer(
    s_start: np.ndarray, s_end: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Is each match (start, end) strictly inside a longer span that starts at or before it?"""
    order = np.argsort(s_start, kind="stable")
    s_start, reach = s_start[order], np.maximum.accumulate(s_end[order])
    j = np.searchsorted(s_start, start, side="right") - 1
    r = reach[np.maximum(j, 0)]
    # A span starting earlier and ending at the same place also contains it.
    k = np.searchsorted(s_start, start, side="left") - 1
    r_before = reach[np.maximum(k, 0)]
    return (j >= 0) & ((r > end) | ((k >= 0) & (r_before >= end)))


def _code_hits(rubric: Rubric, frame: pd.DataFrame) -> list[_Hits]:
    """Evidence that is not text: DAC purpose codes and the recipient's fragility."""
    out: list[_Hits] = []
    if "sector_code" in frame:
        codes = pd.to_numeric(frame["sector_code"], errors="coerce").fillna(-1).to_numpy(np.int64)
        for i, c in enumerate(rubric.criteria):
            for code in c.purpose_codes:
                rows = np.flatnonzero(codes == code)
                out.append(
                    _fixed(rows, i, FIELDS.index("sector_code"), rubric.vocabulary.code_ids[code])
                )
    if "recipient_country" in frame:
        country = frame["recipient_country"].astype("string").str.upper().fillna("")
        ids = rubric.vocabulary.fragile_ids
        for i, c in enumerate(rubric.criteria):
            if c.fragile_contexts:
                rows = np.flatnonzero(country.isin(ids.index).to_numpy())
                text = ids.reindex(country.to_numpy()[rows]).to_numpy(dtype=np.int64)
                out.append(_fixed(rows, i, FIELDS.index("recipient_country"), text))
    return out


def _fixed(rows: np.ndarray, crit: int, field: int, text: int | np.ndarray) -> _Hits:
    k = len(rows)
    return _Hits(
        row=rows.astype(np.int64),
        crit=np.full(k, crit, dtype=np.int64),
        field=np.full(k, field, dtype=np.int64),
        text=np.broadcast_to(np.asarray(text, dtype=np.int64), (k,)).copy(),
        against=np.zeros(k, dtype=bool),
        negated=np.zeros(k, dtype=bool),
        start=np.zeros(k, dtype=np.int64),
        end=np.zeros(k, dtype=np.int64),
    )


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """An object array of str/None as a pandas Arrow-backed string array, converted in C."""
    return pd.array(
        pa.array(values, type=pa.large_string(), from_pandas=True), dtype="string[pyarrow]"
    )


def _contexts(hits: _Hits, rows: np.ndarray, folded: dict[str, Corpus] | None) -> pd.array:
    """The folded text around each stored evidence row (``""`` for codes and countries; all NA
    when contexts are off), cut straight out of the corpora as Arrow string views.

    A view points into its field's folded buffer, so no Python string is made per row; Arrow
    then copies the views into one ordinary string column.
    """
    k = len(rows)
    if folded is None:
        return _strings(np.full(k, None, dtype=object))
    views = np.zeros((k, 4), dtype=np.int32)  # length, then 12 bytes inline or prefix+ref
    inline = views.view(np.uint8)
    field, start, end = hits.field[rows], hits.start[rows], hits.end[rows]
    buffers: list[pa.Buffer] = []
    for fi, name in enumerate(TEXT_FIELDS):
        sel = np.flatnonzero(field == fi)
        if not len(sel) or name not in folded:
            continue
        corpus = folded[name]
        buf = corpus.buf
        lo, hi = corpus.snippet_bounds(start[sel], end[sel])
        length = hi - lo
        views[sel, 0] = length
        long = length > 12
        # Long snippets: the first 4 bytes, then which buffer and where. Short ones inline.
        # A long snippet has at least 4 bytes, so the window never runs off the buffer.
        windows = np.lib.stride_tricks.sliding_window_view(buf, 4) if len(buf) >= 4 else buf[:0]
        s_long = sel[long]
        if len(s_long):
            inline[s_long, 4:8] = windows[lo[long]]
            views[s_long, 2] = len(buffers)
            views[s_long, 3] = lo[long]
        short = np.flatnonzero(~long)
        if len(short):
            idx = lo[short, None] + np.arange(12)
            head = buf[np.minimum(idx, len(buf) - 1)]
            head[idx >= hi[short, None]] = 0
            inline[sel[short], 4:] = head
        buffers.append(pa.py_buffer(buf))
    arr = pa.Array.from_buffers(pa.string_view(), k, [None, pa.py_buffer(views), *buffers])
    return pd.array(arr.cast(pa.large_string()), dtype="string[pyarrow]")


def _aggregates(frame: pd.DataFrame) -> np.ndarray:
    """bool per row: an OECD CRS aggregate line (``is_aggregate``; NA reads as no)."""
    if "is_aggregate" not in frame:
        return np.zeros(len(frame), dtype=bool)
    col = frame["is_aggregate"].astype("boolean")
    return col.to_numpy(dtype=bool, na_value=False)


def _select(hits: _Hits, keep: np.ndarray) -> _Hits:
    return _Hits(*(getattr(hits, f)[keep] for f in _Hits.__dataclass_fields__))


def _concat(parts: list[_Hits]) -> _Hits:
    if not parts:
        e = np.empty(0, dtype=np.int64)
        return _Hits(e, e, e, e, e.astype(bool), e.astype(bool), e, e)
    return _Hits(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _Hits.__dataclass_fields__)
    )


# ---------------------------------------------------------------------------------- scoring
def _score(rubric: Rubric, hits: _Hits, n: int) -> dict[str, np.ndarray]:
    """Criterion scores -> pillar levels, setting, gender score and assessed marker."""
    sc = rubric.scoring
    crits = rubric.criteria
    n_crit = len(crits)
    fw = np.array([float(sc.get("field_weights", {}).get(f, 1.0)) for f in FIELDS])
    weight = rubric.column("weight").astype(float)
    cap = float(sc.get("criterion_cap", 1.5))

    counts = ~hits.negated  # negated evidence is shown, never scored
    # Distinct (row, criterion, field, phrase) so a repeated word counts once.
    r, c, f, txt = hits.row[counts], hits.crit[counts], hits.field[counts], hits.text[counts]
    n_f = len(FIELDS)
    cell = (r * n_crit + c) * n_f + f
    key = cell * len(rubric.vocabulary.texts) + txt
    _, first = np.unique(key, return_index=True)  # sorted by cell
    r, c, f, cell = r[first], c[first], f[first], cell[first]
    contrib = weight[c] * fw[f]
    # Sum per (row, criterion, field), capped; then per (row, criterion), capped again.
    cells, at = np.unique(cell, return_index=True)
    per_field = np.add.reduceat(contrib, at) if len(at) else np.empty(0)
    cf, cc = cells % n_f, (cells // n_f) % n_crit
    lim = cap * np.abs(weight[cc]) * fw[cf]
    per_field = np.clip(per_field, -lim, lim)
    rc = cells // n_f
    M = np.bincount(rc, weights=per_field, minlength=n * n_crit).reshape(n, n_crit)
    total_lim = cap * np.abs(weight) * fw.max()
    M = np.clip(M, -total_lim[None, :], total_lim[None, :])
    present = np.zeros((n, n_crit), dtype=bool)
    present[r, c] = True

    kind = rubric.column("kind")
    severity = rubric.column("severity")
    role = np.array([cr.marker or "" for cr in crits])
    P = rubric.pillar_matrix

    scoring_crit = np.isin(severity, ["core", "supporting"]) & (kind != "counter")
    S = np.where(scoring_crit[None, :], M, 0.0) @ P
    passing = (present & (severity == "passing")[None, :]).astype(float) @ P > 0
    thresholds = sc.get("pillar", {})
    level = np.where(
        float(thresholds.get("explicit", 3.5)) <= S,
        2,
        np.where((float(thresholds.get("passing", 1.0)) <= S) | passing, 1, 0),
    )
    setting = (present & (kind == "context")[None, :]).any(axis=1)
    level = level * setting[:, None]
    makes_relevant = np.array([cr.makes_relevant for cr in crits])
    relevant = setting & (
        (S.max(axis=1) >= float(sc.get("wps_relevant_min_score", 1.0)))
        | (present & makes_relevant[None, :]).any(axis=1)
    )

    mk = sc.get("marker", {})
    objective_roles = mk.get("objective_roles", ["gender_objective"])
    marker_crit = (role != "") & (kind != "context")
    G = np.where(marker_crit[None, :], M, 0.0).sum(axis=1)
    objective = np.isin(role, objective_roles)
    has_objective = (np.where(objective[None, :], M, 0.0) > 0).any(axis=1)
    principal_fields = np.isin(np.array(FIELDS), mk.get("principal_fields", ["title"]))
    in_principal = np.zeros((n, n_crit), dtype=bool)
    sel = principal_fields[f]
    in_principal[r[sel], c[sel]] = True
    cue_crit = np.array([cr.principal_cue for cr in crits])
    principal_role = np.isin(role, mk.get("principal_roles", objective_roles))
    principal_cue = (in_principal & principal_role[None, :]).any(axis=1) | (
        present & cue_crit[None, :]
    ).any(axis=1)
    assessed = np.where(
        has_objective & (float(mk.get("principal", 6.0)) <= G) & principal_cue,
        2,
        np.where(has_objective & (float(mk.get("significant", 3.0)) <= G), 1, 0),
    )
    return {"level": level, "setting": setting, "relevant": relevant, "G": G, "assessed": assessed}


def _int_col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return pd.to_numeric(frame[name], errors="coerce").astype("Int64")


def _claims(rubric: Rubric, frame: pd.DataFrame, assessed: np.ndarray) -> dict[str, pd.Series]:
    """The donor's claim and the flag: DAC marker compared exactly, GAM read as yes/no."""
    idx = frame.index
    channel = (
        frame["channel"].astype("string")
        if "channel" in frame
        else pd.Series(pd.NA, index=idx, dtype="string")
    )
    gam = _int_col(frame, "gam_code")
    dac = _int_col(frame, "gender_marker")
    use_gam = (channel == "humanitarian").fillna(False) & gam.notna()
    claimed = dac.where(~use_gam, gam)
    scheme = pd.Series(
        np.where(use_gam, "gam", np.where(dac.notna(), "dac", pd.NA)), index=idx, dtype="string"
    )
    a = pd.Series(assessed, index=idx, dtype="Int64")
    claim_from = int(rubric.scoring.get("gam", {}).get("claim_from", 3))
    gam_claim = claimed >= claim_from
    flag = np.select(
        [
            claimed.isna().to_numpy(dtype=bool, na_value=True),
            (use_gam & gam_claim & (a == 0)).to_numpy(dtype=bool, na_value=False),
            (use_gam & ~gam_claim & (a >= 1)).to_numpy(dtype=bool, na_value=False),
            use_gam.to_numpy(dtype=bool),
            (claimed > a).to_numpy(dtype=bool, na_value=False),
            (claimed < a).to_numpy(dtype=bool, na_value=False),
        ],
        [
            "not_screened",
            "overclaimed",
            "underclaimed",
            "consistent",
            "overclaimed",
            "underclaimed",
        ],
        default="consistent",
    )
    return {
        "claimed": claimed,
        "scheme": scheme,
        "flag": pd.Series(flag, index=idx, dtype="string"),
    }


def _confidence(
    rubric: Rubric, words: np.ndarray, covered: np.ndarray, same: np.ndarray
) -> np.ndarray:
    c = rubric.scoring.get("confidence", {})
    low = (words < int(c.get("low_words", 15))) | ~covered
    high = (words >= int(c.get("high_words", 50))) & covered & ~same
    return np.where(low, "low", np.where(high, "high", "medium"))


def _pillar_phrases() -> np.ndarray:
    """All 81 combinations of pillar levels as words, indexed by sum(level * 3**i)."""
    out = []
    for code in range(3 ** len(PILLARS)):
        lv = [(code // 3**i) % 3 for i in range(len(PILLARS))]
        parts = [
            f"{PILLAR_LABEL[p]} {LEVEL_WORDS[v]}" for p, v in zip(PILLARS, lv, strict=True) if v
        ]
        out.append("WPS: " + ", ".join(parts) if parts else "")
    return np.array(out, dtype=object)


_PHRASES = _pillar_phrases()


def _summaries(
    level: np.ndarray,
    setting: np.ndarray,
    assessed: np.ndarray,
    claims: dict,
    confidence: np.ndarray,
) -> pd.Series:
    """One plain line per project, built from lookup tables (no per-row formatting)."""
    code = (level * (3 ** np.arange(len(PILLARS)))[None, :]).sum(axis=1)
    wps = pd.Series(_PHRASES[code], dtype="string")
    wps = wps.mask(
        wps == "",
        pd.Series(np.where(setting, "no WPS pillar", "not a WPS setting"), dtype="string"),
    )
    marker_word = np.array(["not targeted (0)", "significant (1)", "principal (2)"], dtype=object)[
        assessed
    ]
    scheme = claims["scheme"].reset_index(drop=True)
    claimed = claims["claimed"].reset_index(drop=True).astype("string")
    flag = claims["flag"].reset_index(drop=True)
    claim_text = ("; claimed " + scheme.str.upper() + " " + claimed + ": " + flag).fillna(
        "; no marker claimed"
    )
    conf = pd.Series(
        np.where(
            confidence == "low", "; low confidence: text too short or not in a covered language", ""
        ),
        dtype="string",
    )
    return wps + "; gender " + pd.Series(marker_word, dtype="string") + claim_text + conf


# ---------------------------------------------------------------------------------- the engine
def _screen_batch(
    frame: pd.DataFrame, rubric: Rubric, with_context: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(frame)
    parts: list[_Hits] = []
    covered = np.zeros(n, dtype=bool)  # the description is in a language the rubric covers
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
        parts.append(_broadcast(_scan_field(rubric, corpus, fi), inv))
        if name != "partner":
            if name == "description":
                covered = _per_row(has_words_from(corpus, cues, min_cues), inv)
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
    s = _score(rubric, hits, n)
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
    _, first = np.unique(key, return_index=True)  # sorted by row, criterion, field
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
    rb = _resolve(rubric)
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
        outs = _screen_forked(projects, rb, chunk_size, with_context, workers)
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


_FORKED: tuple | None = None  # (projects, rubric, chunk_size, with_context, dir), for fork


def _forked_share(bounds: tuple[int, int]) -> list[str]:
    """Screen one share in a forked worker; write each chunk's frames as Arrow IPC files.

    Files (in /dev/shm where there is one: memory, not disk) cost one copy to write and none to
    read: the parent memory-maps them. Pickling the frames back through a pipe cost more than
    the share saved.
    """
    assert _FORKED is not None
    projects, rb, chunk_size, with_context, tmp = _FORKED
    paths = []
    for i, (res, ev) in enumerate(_screen_range(projects, rb, chunk_size, with_context, *bounds)):
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


def _screen_forked(
    projects: pd.DataFrame, rb: Rubric, chunk_size: int, with_context: bool, workers: int
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
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
        return _screen_range(projects, rb, chunk_size, with_context, *bounds[0])
    _ = rb.terms, rb.vocabulary  # compile once, before the fork
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="screen-", dir=shm) as tmp:
        _FORKED = (projects, rb, chunk_size, with_context, tmp)
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(len(bounds) - 1, mp_context=ctx) as pool:
                futures = [pool.submit(_forked_share, b) for b in bounds[1:]]
                outs = _screen_range(projects, rb, chunk_size, with_context, *bounds[0])
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


# ---------------------------------------------------------------------------------- explain
MINIMUM_CRITERIA = {
    "gender_analysis": "a gender analysis",
    "gender_objective": "an explicit gender equality objective",
    "gender_indicator": "a gender-specific target or indicator",
    "sex_disaggregated": "sex-disaggregated data",
    "gender_budget": "resources for gender equality",
}


def explain(
    result_row: Mapping | pd.Series,
    evidence_rows: pd.DataFrame,
    rubric: Rubric | str | Path | None = None,
) -> str:
    """How an evaluator reads one project: the verdict, the evidence for and against, and what is
    missing. This is what ``screening explain PROJECT_ID`` prints.

    ``evidence_rows`` are that project's rows of the evidence frame (or of
    ``screening_evidence``); pass the rubric the result was screened with when it is not the
    current default, so the messages and sources match.
    """
    rb = _resolve(rubric)
    r = dict(result_row)
    lines = [
        f"Project {r.get('project_id')} ({r.get('channel') or 'channel unknown'}), rubric "
        f"{r.get('rubric_version')}",
        f"  {r.get('summary')}",
        "",
        "UNSCR 1325 pillars (0 absent, 1 passing mention, 2 explicit aim or component):",
    ]
    setting = r.get("wps_setting")
    for p in PILLARS:
        lines.append(f"  {PILLAR_LABEL[p]:<20} {r.get(p)}")
    if setting is not None and not bool(setting):
        lines.append(
            "  Pillars are 0 because nothing places the project in a fragile or conflict-affected "
            "setting."
        )
    lines.append(f"  WPS relevant: {'yes' if r.get('wps_relevant') else 'no'}")
    claimed = r.get("marker_claimed")
    scheme = (r.get("marker_scheme") or "").upper() if not pd.isna(r.get("marker_scheme")) else ""
    lines += [
        "",
        f"Gender marker: assessed {r.get('marker_assessed')} (gender score "
        f"{r.get('gender_score')}); "
        + (f"claimed {scheme} {claimed}" if not pd.isna(claimed) else "no marker claimed")
        + f" -> {r.get('marker_flag')}",
        f"Confidence: {r.get('confidence')} ({r.get('word_count')} words)",
    ]
    ev = evidence_rows
    for direction, heading in (
        ("for", "Evidence for"),
        ("against", "Evidence against, or not counted"),
    ):
        part = ev[ev["direction"] == direction] if len(ev) else ev
        lines += ["", f"{heading}:"]
        if part.empty:
            lines.append("  (none)")
            continue
        for row in part.itertuples(index=False):
            c = rb.by_id.get(row.criterion)
            msg = (
                c.render(field=row.field, matched=row.matched_text, label=c.label)
                if c
                else row.matched_text
            )
            negated = direction == "against" and c is not None and c.kind != "counter"
            if negated:
                msg = (
                    f"negated: '{row.matched_text}' in {row.field} is preceded by a negation, "
                    "so it counts against"
                )
            lines.append(f"  - [{row.criterion}] {msg}")
            if c is not None:
                lines.append(f"      source: {c.framework}, {c.paragraph}")
            ctx = getattr(row, "context", None)
            if isinstance(ctx, str) and ctx:
                lines.append(f"      text: ...{ctx}...")
    found_roles = set()
    if len(ev):
        for cid in ev.loc[ev["direction"] == "for", "criterion"]:
            c = rb.by_id.get(cid)
            if c is not None and c.marker:
                found_roles.add(c.marker)
    missing = [label for role, label in MINIMUM_CRITERIA.items() if role not in found_roles]
    if missing:
        lines += ["", "Not found (DAC minimum criteria): " + "; ".join(missing)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- summaries
RATES_PATH = Path(__file__).resolve().parents[1] / "data" / "reference" / "exchange_rates.csv"


def load_rates(path: str | Path | None = None) -> pd.DataFrame:
    """Annual average exchange rates, national currency per USD: ``year, currency, per_usd``."""
    rates = pd.read_csv(path or RATES_PATH, dtype={"currency": "string"})
    rates["year"] = rates["year"].astype("Int64")
    rates["per_usd"] = rates["per_usd"].astype("Float64")
    return rates


def _convert(
    projects: pd.DataFrame, rates: pd.DataFrame, currency: str
) -> tuple[pd.Series, pd.Series]:
    """(year, budget in ``currency``): budget / rate(own currency, year) * rate(target, year).

    Years outside the table use its nearest year; an unknown currency gives NA, never a guess.
    """
    start = (
        pd.to_datetime(projects.get("start_date"), errors="coerce")
        if "start_date" in projects
        else None
    )
    end = (
        pd.to_datetime(projects.get("end_date"), errors="coerce")
        if "end_date" in projects
        else None
    )
    year = pd.Series(pd.NA, index=projects.index, dtype="Int64")
    if start is not None:
        year = start.dt.year.astype("Int64")
    if end is not None:
        year = year.fillna(end.dt.year.astype("Int64"))
    lo, hi = int(rates["year"].min()), int(rates["year"].max())
    y = year.clip(lo, hi)
    table = rates.set_index(["currency", "year"])["per_usd"]
    cur = (
        projects["currency"].astype("string").str.upper()
        if "currency" in projects
        else pd.Series(pd.NA, index=projects.index, dtype="string")
    )
    own = pd.Series(
        table.reindex(pd.MultiIndex.from_arrays([cur, y])).to_numpy(),
        index=projects.index,
        dtype="Float64",
    )
    tgt = pd.Series(
        table.reindex(
            pd.MultiIndex.from_arrays([pd.Series(currency, index=projects.index), y])
        ).to_numpy(),
        index=projects.index,
        dtype="Float64",
    )
    budget = (
        pd.to_numeric(projects.get("budget"), errors="coerce").astype("Float64")
        if "budget" in projects
        else pd.Series(pd.NA, index=projects.index, dtype="Float64")
    )
    return year, budget / own * tgt


def summarise(
    projects: pd.DataFrame,
    results: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    currency: str = "USD",
) -> pd.DataFrame:
    """Country x channel x year x pillar: project counts and budgets in one currency.

    ``results`` is what :func:`screen` returned for ``projects`` (same index). One row per
    (recipient_country, channel, year, pillar) with ``projects``, ``passing`` (level 1),
    ``explicit`` (level 2), ``budget`` (all projects), ``budget_passing``, ``budget_explicit``,
    ``budget_unconverted`` (projects whose currency or year had no rate) and ``currency``.
    The same frame in SQL is ``SUMMARY_SQL["pillar_summary"]``.
    """
    rates = load_rates() if rates is None else rates
    year, budget = _convert(projects, rates, currency)
    base = pd.DataFrame(
        {
            "recipient_country": projects.get(
                "recipient_country", pd.Series(pd.NA, index=projects.index)
            ).astype("string"),
            "channel": results["channel"].astype("string"),
            "year": year,
            "budget_conv": budget,
            "unconverted": budget.isna()
            & pd.to_numeric(projects.get("budget"), errors="coerce").notna()
            if "budget" in projects
            else False,
        },
        index=projects.index,
    )
    long = base.join(results[list(PILLARS)]).melt(
        id_vars=list(base.columns), value_vars=list(PILLARS), var_name="pillar", value_name="level"
    )
    b = long["budget_conv"].fillna(0.0)
    long = long.assign(
        projects=1,
        passing=(long["level"] == 1).astype(int),
        explicit=(long["level"] == 2).astype(int),
        budget=b,
        budget_passing=b.where(long["level"] == 1, 0.0),
        budget_explicit=b.where(long["level"] == 2, 0.0),
        budget_unconverted=long["unconverted"].astype(int),
    )
    keys = ["recipient_country", "channel", "year", "pillar"]
    out = (
        long.groupby(keys, dropna=False, sort=True)[
            [
                "projects",
                "passing",
                "explicit",
                "budget",
                "budget_passing",
                "budget_explicit",
                "budget_unconverted",
            ]
        ]
        .sum()
        .reset_index()
    )
    out["currency"] = currency
    return out


def gender_shares(
    projects: pd.DataFrame,
    results: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    currency: str = "USD",
    rubric: Rubric | str | Path | None = None,
) -> pd.DataFrame:
    """The portfolio's shares of principal and principal-or-significant gender funding, assessed
    and claimed, beside the OECD DAC averages and the UN's 15% peacebuilding target.

    One row per benchmark and basis (``assessed``, ``claimed``): ``scope`` (all, fragile,
    peacebuilding), ``projects``, ``budget`` (in ``currency``), ``share_budget`` and
    ``share_projects`` of the projects at the benchmark's levels, and ``benchmark``. Shares are
    by budget, as the DAC computes them; ``share_projects`` is there for portfolios without budgets.
    """
    rb = _resolve(rubric)
    rates = load_rates() if rates is None else rates
    _, budget = _convert(projects, rates, currency)
    fragile = (
        projects.get("recipient_country", pd.Series(pd.NA, index=projects.index))
        .astype("string")
        .isin(rb.fragile["iso3"])
    )
    codes = (
        pd.to_numeric(projects.get("sector_code"), errors="coerce")
        if "sector_code" in projects
        else pd.Series(np.nan, index=projects.index)
    )
    rows = []
    for bm in rb.benchmarks:
        scope = bm.get("scope", "all")
        mask = pd.Series(True, index=projects.index)
        if scope == "fragile":
            mask = fragile.fillna(False)
        elif bm.get("purpose_codes"):
            mask = codes.isin(bm["purpose_codes"]).fillna(False)
        levels = bm.get("levels", [1, 2])
        for basis, marker in (
            ("assessed", results["marker_assessed"]),
            ("claimed", _dac_claim(results)),
        ):
            m = mask & marker.notna()
            hit = m & marker.isin(levels).fillna(False)
            total_b, hit_b = budget[m].sum(skipna=True), budget[hit].sum(skipna=True)
            rows.append(
                {
                    "benchmark_id": bm["id"],
                    "benchmark_label": bm["label"],
                    "scope": scope,
                    "basis": basis,
                    "levels": ",".join(str(x) for x in levels),
                    "projects": int(m.sum()),
                    "projects_at_level": int(hit.sum()),
                    "share_projects": float(hit.sum() / m.sum()) if m.sum() else np.nan,
                    "budget": float(total_b),
                    "budget_at_level": float(hit_b),
                    "share_budget": float(hit_b / total_b) if total_b else np.nan,
                    "benchmark": float(bm["share"]),
                    "currency": currency,
                }
            )
    return pd.DataFrame(rows)


def _dac_claim(results: pd.DataFrame) -> pd.Series:
    """Claims on the DAC scale: a GAM 3-4 claim reads as significant (1), GAM 0-2 as 0."""
    claimed = results["marker_claimed"].astype("Int64")
    gam = results["marker_scheme"] == "gam"
    return claimed.where(~gam.fillna(False), (claimed >= 3).astype("Int64"))


# The same summaries for the warehouse (DuckDB). Tables: projects_current (canonical columns),
# screening_results (this module's results, one row per project and rubric version) and
# exchange_rates (data/reference/exchange_rates.csv). Parameters: $rubric_version, $currency.
SUMMARY_SQL: dict[str, str] = {
    "pillar_summary": """
WITH p AS (
    SELECT pc.project_id, pc.recipient_country, r.channel,
           COALESCE(year(pc.start_date), year(pc.end_date)) AS year,
           pc.budget, upper(pc.currency) AS currency,
           r.participation, r.protection, r.prevention, r.relief_recovery
    FROM projects_current pc
    JOIN screening_results r ON r.project_id = pc.project_id AND r.rubric_version = $rubric_version
), bounds AS (SELECT min(year) AS lo, max(year) AS hi FROM exchange_rates),
conv AS (
    SELECT p.*, p.budget / own.per_usd * tgt.per_usd AS budget_conv
    FROM p, bounds
    LEFT JOIN exchange_rates own ON own.currency = p.currency
         AND own.year = least(greatest(p.year, bounds.lo), bounds.hi)
    LEFT JOIN exchange_rates tgt ON tgt.currency = $currency
         AND tgt.year = least(greatest(p.year, bounds.lo), bounds.hi)
), long AS (
    UNPIVOT conv ON participation, protection, prevention, relief_recovery
    INTO NAME pillar VALUE level
)
SELECT recipient_country, channel, year, pillar,
       count(*) AS projects,
       count(*) FILTER (WHERE level = 1) AS passing,
       count(*) FILTER (WHERE level = 2) AS explicit,
       coalesce(sum(budget_conv), 0) AS budget,
       coalesce(sum(budget_conv) FILTER (WHERE level = 1), 0) AS budget_passing,
       coalesce(sum(budget_conv) FILTER (WHERE level = 2), 0) AS budget_explicit,
       count(*) FILTER (WHERE budget_conv IS NULL AND budget IS NOT NULL) AS budget_unconverted,
       $currency AS currency
FROM long
GROUP BY ALL
ORDER BY ALL
""",
    "gender_shares": """
WITH p AS (
    SELECT pc.project_id, pc.recipient_country, pc.sector_code, r.marker_assessed,
           CASE WHEN r.marker_scheme = 'gam' THEN (r.marker_claimed >= 3)::INTEGER
                ELSE r.marker_claimed END AS claimed_dac,
           pc.budget / own.per_usd * tgt.per_usd AS budget_conv
    FROM projects_current pc
    JOIN screening_results r ON r.project_id = pc.project_id AND r.rubric_version = $rubric_version
    CROSS JOIN (SELECT min(year) AS lo, max(year) AS hi FROM exchange_rates) b
    LEFT JOIN exchange_rates own ON own.currency = upper(pc.currency)
         AND own.year = least(greatest(COALESCE(year(pc.start_date), year(pc.end_date)), b.lo),
                              b.hi)
    LEFT JOIN exchange_rates tgt ON tgt.currency = $currency
         AND tgt.year = least(greatest(COALESCE(year(pc.start_date), year(pc.end_date)), b.lo),
                              b.hi)
)
SELECT
    sum(budget_conv) FILTER (WHERE marker_assessed IN (1, 2))
      / sum(budget_conv) AS assessed_share_any,
    sum(budget_conv) FILTER (WHERE marker_assessed = 2)
      / sum(budget_conv) AS assessed_share_principal,
    sum(budget_conv) FILTER (WHERE claimed_dac IN (1, 2))
      / sum(budget_conv) FILTER (WHERE claimed_dac IS NOT NULL) AS claimed_share_any,
    sum(budget_conv) FILTER (WHERE claimed_dac = 2)
      / sum(budget_conv) FILTER (WHERE claimed_dac IS NOT NULL) AS claimed_share_principal,
    sum(budget_conv) FILTER (WHERE marker_assessed = 2 AND sector_code IN (15210, 15220, 15230,
                                                                           15240, 15250, 15261))
      / sum(budget_conv) FILTER (WHERE sector_code IN (15210, 15220, 15230, 15240, 15250, 15261))
      AS peacebuilding_principal_share,
    0.42 AS dac_share_any, 0.04 AS dac_share_principal, 0.15 AS un_peacebuilding_target
FROM p
""",
}

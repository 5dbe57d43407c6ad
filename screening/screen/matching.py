"""Matching: evidence found in a batch of projects, as parallel arrays (no Python per project).

Text fields are folded and cut into sentences (:mod:`screening.textmatch`); each distinct
sentence is scanned once with the rubric's Aho-Corasick automaton and judged once (suppressed
by counter-evidence spans, negated by a cue a few words before, its role read from the cues
it holds); what it holds is then placed wherever the sentence occurs. Purpose codes, the
channel and the recipient's fragility (:mod:`screening.screen.setting`) add evidence that is
not text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from screening.rubric import FIELDS, TEXT_FIELDS, Rubric
from screening.screen.setting import fragile_rows, project_years, years_of
from screening.textmatch import Corpus


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
    # int: bits of the roles of the sentence it is in (Rubric.roles); 0 if not text
    roles: np.ndarray
    named: np.ndarray  # bool: a partner's name (a hint, not evidence of what the project does)


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


def gender_sentence_share(rubric: Rubric, corpus: Corpus, hits: _Hits) -> np.ndarray:
    """float per row of ``corpus``: the share of its sentences that hold gender evidence (an
    objective, a pillar phrase, women or girls named), negated and counter-evidence aside.

    A description most of whose sentences are about women, girls or gender equality is
    "mostly a gender component" (codebook rule 4), however its title reads.
    """
    mk = rubric.scoring.get("marker", {})
    roles = [*mk.get("objective_roles", []), *mk.get("mention_roles", [])]
    gender = np.isin(np.array([c.marker or "" for c in rubric.criteria]), roles)
    ok = gender[hits.crit] & ~hits.against & ~hits.named
    starts = corpus.sentences.starts
    sentence = np.searchsorted(starts, hits.start[ok], side="right") - 1
    n = len(corpus.offsets) - 1
    # The sentence pieces include each row's closing space: count pieces with a word in them.
    length = np.diff(starts)
    real = length > 1
    per_row = np.bincount(corpus.sentences.rows[real], minlength=n)
    holding = np.bincount(corpus.sentences.rows[np.unique(sentence)], minlength=n)
    enough = holding >= int(mk.get("mostly_gender_min_sentences", 1))
    return np.where(enough, holding / np.maximum(per_row, 1), 0.0)


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
    # Each row is one sentence: its roles are the bits of every role cue in it.
    role_cue = kind == 2
    sentence_roles = np.zeros(len(corpus.offsets) - 1, dtype=np.int64)
    np.bitwise_or.at(sentence_roles, row[role_cue], t.role_bit[term[role_cue]])

    part = (kind == 3) & t.field_ok[term, field_idx]
    parts = term[part], start[part], end[part], row[part]
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
    # Boilerplate, safeguarding and "not targeted" spans suppress the parts of a concept too;
    # a beneficiary list does not ("women and youth leaders ... reconciliation" is a concept).
    hard = suppresses & keep & np.array([c.severity == "counter" for c in crits])[crit]
    lists = suppresses & keep & ~hard
    concept_hits = _concepts(
        rubric,
        corpus,
        field_idx,
        *parts,
        (start[hard], end[hard]),
        (start[lists], end[lists]),
        sentence_roles,
    )
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
        roles=sentence_roles[row],
        named=t.partner[term],
    )
    if not len(concept_hits.row):
        return hits
    both = _concat([hits, concept_hits])
    return _select(both, np.lexsort((both.start, both.row)))  # text order, as place() needs


def _concepts(
    rubric: Rubric,
    corpus: Corpus,
    field_idx: int,
    term: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    row: np.ndarray,
    hard: tuple[np.ndarray, np.ndarray],
    lists: tuple[np.ndarray, np.ndarray],
    sentence_roles: np.ndarray,
) -> _Hits:
    """Concepts found in a corpus of one sentence a row: every group of a concept present in
    the sentence, whatever stands between them. The evidence spans from the first part to the
    last. Parts inside boilerplate or a safeguarding clause do not count; parts inside a
    beneficiary list only where the criterion says so (``lists_suppress_concepts``).
    """
    t = rubric.terms
    ok = np.ones(len(term), dtype=bool)
    if len(hard[0]) and len(start):
        ok &= ~_starts_inside(*hard, start)
    if len(lists[0]) and len(start):
        listed = np.array(
            [rubric.criteria[ci].lists_suppress_concepts for ci, _ in rubric.concepts]
        )
        ok &= ~(_starts_inside(*lists, start) & listed[t.concept[term]])
    term, start, end, row = term[ok], start[ok], end[ok], row[ok]
    n_concepts = len(rubric.concepts)
    if not len(term) or not n_concepts:
        return _concat([])
    key = row * n_concepts + t.concept[term]
    order = np.argsort(key, kind="stable")
    key, bit, start, end = key[order], t.group_bit[term][order], start[order], end[order]
    cells, at = np.unique(key, return_index=True)
    found = np.bitwise_or.reduceat(bit, at)
    full = np.array([(1 << len(groups)) - 1 for _, groups in rubric.concepts])
    fired = found == full[cells % n_concepts]
    cells = cells[fired]
    lo = np.minimum.reduceat(start, np.flatnonzero(np.r_[True, key[1:] != key[:-1]]))[fired]
    hi = np.maximum.reduceat(end, np.flatnonzero(np.r_[True, key[1:] != key[:-1]]))[fired]
    window = int(rubric.scoring.get("concept_window_words", 1_000_000))
    near = (corpus.word_index(hi) - corpus.word_index(lo)) <= window
    cells, lo, hi = cells[near], lo[near], hi[near]
    concept = cells % n_concepts
    rows = cells // n_concepts
    crit = np.array([ci for ci, _ in rubric.concepts], dtype=np.int64)[concept]
    k = len(rows)
    return _Hits(
        row=rows,
        crit=crit,
        field=np.full(k, field_idx, dtype=np.int64),
        text=rubric.vocabulary.concept_ids[concept],
        against=np.zeros(k, dtype=bool),
        negated=np.zeros(k, dtype=bool),
        start=lo,
        end=hi,
        roles=sentence_roles[rows],
        named=np.zeros(k, dtype=bool),
    )


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
    """Evidence that is not text: DAC purpose codes, the channel, and the recipient's
    fragility in the project's years."""
    out: list[_Hits] = []
    if "sector_code" in frame:
        codes = pd.to_numeric(frame["sector_code"], errors="coerce").fillna(-1).to_numpy(np.int64)
        for i, c in enumerate(rubric.criteria):
            for code in c.purpose_codes:
                rows = np.flatnonzero(codes == code)
                out.append(
                    _fixed(rows, i, FIELDS.index("sector_code"), rubric.vocabulary.code_ids[code])
                )
    if "channel" in frame:
        channel = frame["channel"].astype("string").fillna("")
        for i, c in enumerate(rubric.criteria):
            for ch in c.channels:
                rows = np.flatnonzero((channel == ch).to_numpy())
                out.append(
                    _fixed(rows, i, FIELDS.index("channel"), rubric.vocabulary.channel_ids[ch])
                )
    if "recipient_country" in frame:
        lo, hi = project_years(frame)
        rows, table_row = fragile_rows(years_of(rubric), frame["recipient_country"], lo, hi)
        text = rubric.vocabulary.fragile_ids[table_row]
        for i, c in enumerate(rubric.criteria):
            if c.fragile_contexts:
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
        roles=np.zeros(k, dtype=np.int64),
        named=np.zeros(k, dtype=bool),
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
        return _Hits(e, e, e, e, e.astype(bool), e.astype(bool), e, e, e, e.astype(bool))
    return _Hits(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _Hits.__dataclass_fields__)
    )

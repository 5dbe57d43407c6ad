"""Vectorised phrase matching: fold whole columns with Arrow, scan them with one Aho-Corasick pass.

Why this shape: the screen runs on millions of rows, so nothing here loops over rows in Python.
A text column is folded by Arrow kernels (lower case, accents stripped, every run of characters
that is not a letter or digit turned into one space, sentence ends remembered), each text is
padded with a space on both sides, and the folded texts are laid end to end in one ASCII buffer
(Arrow already stores them that way). The buffer is cut into sentences; one ``automaton.iter``
call walks the distinct ones, and what is found in a sentence is placed wherever it occurs.

Word boundaries come free from the padding: the pattern for the word ``women`` is ``" women "``,
so it never fires inside ``womenswear``; a stem written ``participat*`` becomes ``" participat"``
and matches ``participation``, ``participating`` and ``participatory``. A match never spans two
rows or two sentences because each distinct sentence is scanned with a closing space of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import ahocorasick
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from screening.textfold import LETTERS as _LETTERS  # one table, for headers too

_NOT_WORD = r"[^a-z0-9]+"
SPACE = ord(" ")


def fold_text(text: str) -> str:
    """One term or text folded exactly as :func:`fold_array` folds a column (no padding).

    Used for rubric terms, so a term written ``kønsbaseret vold`` or ``women's`` lines up with
    the folded project text (``konsbaseret vold``, ``women s``).
    """
    # Lower, decompose, lower again: compatibility forms (a mathematical 𝘈) decompose to
    # upper-case ASCII, which the column path lower-cases after decomposing too.
    s = unicodedata.normalize("NFKD", text.lower()).lower()
    # Drop nonspacing marks by category, as the column path's \p{Mn} does: some marks
    # (Zanabazar final letters, say) are Mn with combining class 0.
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    for src, dst in _LETTERS.items():
        s = s.replace(src, dst)
    s = re.sub(_NOT_WORD, " ", s)
    return s.strip()


def _lookup() -> bytes:
    """Byte map for folded ASCII: letters and digits stay (capitals lowered), sentence ends
    become 1, everything else a space. A ``bytes.translate`` table: one C pass per column."""
    lut = np.full(256, SPACE, dtype=np.uint8)
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        lut[ord(ch)] = ord(ch)
        lut[ord(ch.upper())] = ord(ch)
    for ch in ".!?;":
        lut[ord(ch)] = 1
    return lut.tobytes()


_LUT = _lookup()
_PAD = 2  # a row's leading pad while folding: a space that is never collapsed away
_BLANKS = bytes.maketrans(bytes([1, _PAD]), b"  ")


def _fold_wide(rows: pa.Array) -> pa.Array:
    """Arrow's path for text that is not ASCII: lower, decompose, drop marks, fold letters."""
    rows = pc.utf8_normalize(pc.utf8_lower(rows), form="NFKD")
    rows = pc.replace_substring_regex(rows, pattern=r"\p{Mn}+", replacement="")
    for src, dst in _LETTERS.items():
        rows = pc.replace_substring(rows, pattern=src, replacement=dst)
    rows = pc.replace_substring_regex(rows, pattern=r"[^\x00-\x7f]+", replacement=" ")
    return rows.cast(pa.large_string())


def _two_byte_table() -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_fold_wide` makes of each character U+0080..U+07FF (two bytes in UTF-8).

    Latin, Greek and Cyrillic letters with accents all sit there, and that fold works one
    character at a time, so a table of its answers folds those rows with byte arithmetic.
    Returns (length, bytes[.., 3]) indexed by code point.
    """
    chars = [chr(c) for c in range(0x80, 0x800)]
    folded = _fold_wide(pa.array(chars, type=pa.large_string())).to_pylist()
    width = max(len(f) for f in folded)
    table = np.zeros((0x800, width), dtype=np.uint8)
    length = np.zeros(0x800, dtype=np.int64)
    for cp, f in zip(range(0x80, 0x800), folded, strict=True):
        b = f.encode("ascii")
        length[cp] = len(b)
        table[cp, : len(b)] = np.frombuffer(b, dtype=np.uint8)
    return length, table


_TWO_LEN, _TWO_BYTES = _two_byte_table()


def _fold_two_byte(rows: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """:func:`_fold_wide` by table lookup for rows whose characters all fit in two bytes.

    Returns the folded rows and a mask of the rows that hold longer characters (dashes,
    ellipses, CJK...), which the caller folds with Arrow instead.
    """
    n = len(rows)
    rel, data = _buffers(rows)
    b = np.frombuffer(data, dtype=np.uint8)
    lead = np.flatnonzero(b >= 0xC0)  # the first byte of every character that is not ASCII
    far = lead[b[lead] >= 0xE0]
    longer = np.zeros(n, dtype=bool)
    if len(far):
        longer[np.searchsorted(rel, far, side="right") - 1] = True
    lead = lead[(b[lead] < 0xE0) & (lead + 1 < len(b))]
    cp = ((b[lead].astype(np.int64) & 0x1F) << 6) | (b[lead + 1].astype(np.int64) & 0x3F)
    # Only the few characters change: drop their two bytes, insert their folded bytes.
    width = _TWO_LEN[cp]
    rest = np.delete(b, np.concatenate([lead, lead + 1]))
    at = lead - 2 * np.arange(len(lead))  # where each character was, in ``rest``
    k = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
    out = np.insert(rest, np.repeat(at, width), _TWO_BYTES[np.repeat(cp, width), k])
    shift = np.concatenate([[0], np.cumsum(width - 2)])
    new_rel = (rel + shift[np.searchsorted(lead, rel, side="left")]).astype(np.int64)
    folded = pa.LargeStringArray.from_buffers(n, pa.py_buffer(new_rel), pa.py_buffer(out))
    return folded, longer


def _ascii_lower(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Accents folded, any other non-ASCII character a space; nulls empty. ASCII capitals stay
    (the byte map lowers them)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    arr = pc.fill_null(arr, "")
    # Accents and special letters only where there are any: most texts are plain ASCII.
    wide = pc.invert(pc.string_is_ascii(arr))
    if pc.any(wide).as_py():
        rows = pc.filter(arr, wide)
        folded, longer = _fold_two_byte(rows)
        if longer.any():
            mask = pa.array(longer)
            folded = pc.replace_with_mask(folded, mask, _fold_wide(pc.filter(rows, mask)))
        arr = pc.replace_with_mask(arr, wide, folded)
    return arr


def _buffers(arr: pa.Array) -> tuple[np.ndarray, memoryview]:
    """Offsets (from 0) and the character bytes of a large_string array, without copying."""
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    data = memoryview(bufs[2])[lo:hi] if bufs[2] is not None and hi > lo else memoryview(b"")
    return offsets - lo, data


def fold_array(values: pa.Array | pa.ChunkedArray) -> Corpus:
    """Fold a string column into a :class:`Corpus`: ``" words only, one space apart "`` per row.

    Arrow lower-cases and strips accents (only on rows that are not ASCII); the rest is whole
    column byte work: one ``bytes.translate`` keeps letters and digits, turns everything else
    into spaces and marks where sentences end; Arrow pads every row with a space on both sides;
    numpy finds the runs of blanks (only the blank positions are looked at, not every byte) and
    collapses each to one space. Nulls become a single space.
    """
    arr = _ascii_lower(values)
    n = len(arr)
    rel, data = _buffers(arr)
    mapped = pa.py_buffer(bytes(data).translate(_LUT))
    ls = pa.large_string()
    padded = pc.binary_join_element_wise(
        pa.scalar(chr(_PAD), ls),
        pa.LargeStringArray.from_buffers(n, pa.py_buffer(rel), mapped),
        pa.scalar(" ", ls),
        pa.scalar("", ls),
    )
    starts, raw = _buffers(padded)
    buf = np.frombuffer(raw, dtype=np.uint8)
    starts = starts[:-1]
    # Blanks are spaces, sentence marks and pads (all below "0"); a blank right after another
    # blank goes, except a pad, so every row keeps its leading space.
    blank = np.flatnonzero(buf <= SPACE)
    kind = buf[blank]
    dup = np.empty(len(blank), dtype=bool)
    if len(blank):
        dup[0] = False
        np.equal(np.diff(blank), 1, out=dup[1:])
        dup &= kind != _PAD
    dropped = blank[dup]
    at_mark = np.flatnonzero(kind == 1)
    marks = blank[at_mark]
    if len(marks):
        # A sentence ends at a mark followed by a blank ("3.5" is no sentence end). The byte
        # after a mark always exists: every row ends with its trailing pad.
        nxt = buf[marks + 1]
        ok = (nxt == SPACE) | (nxt == 1)
        marks, mark_dropped = marks[ok], dup[at_mark[ok]]
    else:
        mark_dropped = np.zeros(0, dtype=bool)
    keep = np.ones(len(buf), dtype=bool)
    keep[dropped] = False
    out = buf[keep].tobytes().translate(_BLANKS)

    def moved(pos: np.ndarray) -> np.ndarray:
        return pos - np.searchsorted(dropped, pos, side="left")

    new_offsets = np.concatenate([moved(starts), [len(out)]]).astype(np.int64)
    return Corpus(
        text=out.decode("ascii"),
        offsets=new_offsets,
        buf=np.frombuffer(out, dtype=np.uint8),
        # Every sentence end is the one space its run of blanks collapses to, the leading
        # space of the next word. A mark that was itself collapsed ("analysis . Women") would
        # otherwise land on the next word's first letter, one past that space.
        sentence_ends=moved(marks) - mark_dropped,
    )


@dataclass(frozen=True, eq=False)
class Corpus:
    """A folded column as one buffer: ``text[offsets[i]:offsets[i + 1]]`` is row ``i``."""

    text: str
    offsets: np.ndarray  # int64, len(rows) + 1
    buf: np.ndarray  # the same text as uint8
    sentence_ends: np.ndarray  # positions (in text) where a sentence ended

    @cached_property
    def sentences(self) -> Sentences:
        """The column cut into sentences, each distinct sentence kept once (see Sentences)."""
        return _sentences(self)

    @cached_property
    def spaces(self) -> np.ndarray:
        return np.flatnonzero(self.buf == SPACE)

    def as_arrow(self) -> pa.Array:
        """The folded rows as an Arrow string array (for Arrow kernels: counts, equality)."""
        return pa.LargeStringArray.from_buffers(
            len(self.offsets) - 1, pa.py_buffer(self.offsets), pa.py_buffer(self.buf)
        )

    def rows_of(self, positions: np.ndarray) -> np.ndarray:
        """Row index of each character position."""
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def word_index(self, positions: np.ndarray) -> np.ndarray:
        """How many word gaps precede each position: word distance is a difference of these."""
        return np.searchsorted(self.spaces, positions, side="left")

    def word_counts(self) -> np.ndarray:
        """Words per row: the spaces in a row, less the leading one."""
        per_row = np.diff(np.searchsorted(self.spaces, self.offsets, side="left"))
        return np.maximum(per_row - 1, 0).astype(np.int64)

    def snippet_bounds(
        self, starts: np.ndarray, ends: np.ndarray, pad: int = 40
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where the folded text around each match lies, clipped to its row and without its
        outer spaces: ``text[lo:hi]`` is the snippet (for evidence rows)."""
        rows = self.rows_of(starts)
        lo = np.maximum(starts - pad, self.offsets[rows])
        hi = np.minimum(ends + pad, self.offsets[rows + 1])
        # Folded text never holds two spaces in a row, so stripping is one byte at each end.
        lo = lo + (self.buf[lo] == SPACE)
        hi = np.maximum(hi - (self.buf[np.maximum(hi - 1, 0)] == SPACE), lo)
        return lo, hi

    def snippets(self, starts: np.ndarray, ends: np.ndarray, pad: int = 40) -> list[str]:
        """The folded text around each match, clipped to its row (for evidence rows)."""
        lo, hi = self.snippet_bounds(starts, ends, pad)
        t = self.text
        return [t[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]


@dataclass(frozen=True, eq=False)
class Sentences:
    """A corpus cut at every sentence end and row end, each distinct sentence kept once.

    Why: descriptions are rarely repeated whole, but their sentences are (standard clauses,
    boilerplate, a desk's stock paragraphs), so each distinct sentence is scanned and judged
    once, and what was found in it is placed wherever it occurs (:meth:`place`). Sentence
    ``k`` is ``corpus.text[starts[k]:starts[k + 1]]`` (its leading space included, the next
    one's not); ``distinct`` holds the distinct ones as a corpus of their own, one sentence a
    row, each closed by a space of its own, so a phrase never runs into the next sentence.
    """

    starts: np.ndarray  # int64: where each sentence starts in the corpus, plus the corpus length
    rows: np.ndarray  # int64: the corpus row of each sentence
    which: np.ndarray  # int64: for each sentence, its row in ``distinct``
    distinct: Corpus  # the distinct sentences, one a row

    def place(self, found_in: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where things found in distinct sentences occur in the corpus, in corpus text order.

        ``found_in`` is the distinct sentence of each thing found, in text order of
        ``distinct``. Returns (which thing, which sentence, shift) per occurrence: adding
        ``shift`` to a position in ``distinct`` gives the position in the corpus.
        """
        first = np.searchsorted(found_in, np.arange(len(self.distinct.offsets)), side="left")
        # Every sentence, in text order, takes the run of things found in its distinct text.
        run_start, run_len = first[self.which], np.diff(first)[self.which]
        total = int(run_len.sum())
        thing = np.repeat(run_start - np.cumsum(run_len) + run_len, run_len) + np.arange(total)
        sentence = np.repeat(np.arange(len(self.which)), run_len)
        shift = self.starts[sentence] - self.distinct.offsets[self.which[sentence]]
        return thing, sentence, shift


def _sentences(corpus: Corpus) -> Sentences:
    # Cut at every row start, sentence end and row end (a row's closing space is a piece of
    # its own, " ", shared by all rows). Sorting and dropping repeats beats np.unique here.
    cuts = np.sort(np.concatenate([corpus.offsets, corpus.offsets[1:] - 1, corpus.sentence_ends]))
    keep = np.empty(len(cuts), dtype=bool)
    keep[:1] = True
    np.not_equal(cuts[1:], cuts[:-1], out=keep[1:])
    cuts = cuts[keep]
    # The first cut is 0 (the first row's start), so the cuts are the pieces' offsets.
    pieces = pa.LargeStringArray.from_buffers(
        len(cuts) - 1, pa.py_buffer(cuts), pa.py_buffer(corpus.buf)
    )
    enc = pc.dictionary_encode(pieces)
    ls = pa.large_string()
    closed = pc.binary_join_element_wise(enc.dictionary, pa.scalar(" ", ls), pa.scalar("", ls))
    offsets, data = _buffers(closed)
    raw = bytes(data)
    return Sentences(
        starts=cuts,
        rows=corpus.rows_of(cuts[:-1]),
        which=enc.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        distinct=Corpus(
            text=raw.decode("ascii"),
            offsets=offsets,
            buf=np.frombuffer(raw, dtype=np.uint8),
            sentence_ends=np.empty(0, dtype=np.int64),  # one sentence a row
        ),
    )


def has_words_from(corpus: Corpus, words: list[str], at_least: int = 1) -> np.ndarray:
    """bool per row: does the row hold ``at_least`` occurrences of any of ``words`` (folded,
    whole words)? One regex in Arrow: RE2 stops at the first place the count is reached.

    Used for language cues: function words are so frequent that matching them in the automaton
    would double the matches to walk through, and counting them all costs 15 times more.
    """
    n = len(corpus.offsets) - 1
    if not words or at_least < 1:
        return np.full(n, at_least < 1)
    alt = "|".join(sorted({re.escape(fold_text(w)) for w in words}))
    pattern = f" (?:{alt})" + f" (?:.* )?(?:{alt})" * (at_least - 1) + " "
    found = pc.match_substring_regex(corpus.as_arrow(), pattern=pattern)
    return found.to_numpy(zero_copy_only=False).astype(bool)


_PAIR = np.dtype((np.int64, 2))


class Matcher:
    """An Aho-Corasick automaton over folded patterns; a trailing ``*`` makes a term a stem."""

    def __init__(self, terms: list[str]) -> None:
        self.patterns: list[str] = []
        index: dict[str, int] = {}
        self.term_pattern = np.empty(len(terms), dtype=np.int64)
        for i, term in enumerate(terms):
            pat = pattern_for(term)
            if pat not in index:
                index[pat] = len(self.patterns)
                self.patterns.append(pat)
            self.term_pattern[i] = index[pat]
        self.lengths = np.array([len(p) for p in self.patterns], dtype=np.int64)
        self.automaton = ahocorasick.Automaton()
        for i, pat in enumerate(self.patterns):
            self.automaton.add_word(pat, i)
        if self.patterns:
            self.automaton.make_automaton()

    def scan(self, corpus: Corpus) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every match in the corpus: (pattern id, start, end) as arrays, in text order.

        ``start`` points at the pattern's leading space, ``end`` one past its last character.
        """
        if not self.patterns or not corpus.text:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        # The (end, pattern) tuples go straight into an (n, 2) array: ``np.fromiter`` with a
        # two-int dtype reads each tuple in C, with no intermediate list (~10% faster than
        # ``np.array(list(...))``, which also has to discover the shape).
        pairs = self.automaton.iter(corpus.text)
        found: np.ndarray = np.fromiter(pairs, dtype=_PAIR).reshape(-1, 2)
        last, pid = found[:, 0], found[:, 1]
        end = last + 1
        start = end - self.lengths[pid]
        return pid, start, end


def pattern_for(term: str) -> str:
    """The padded automaton pattern of one rubric term (``"kvinde*"`` -> ``" kvinde"``)."""
    stem = term.rstrip().endswith("*")
    folded = fold_text(term.rstrip().rstrip("*"))
    if not folded:
        raise ValueError(f"term {term!r} folds to nothing")
    return f" {folded}" if stem else f" {folded} "

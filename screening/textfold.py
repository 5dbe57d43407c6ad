"""Text folding: the one way the pipeline makes "Côte d'Ivoire", "COTE D'IVOIRE" and
"cote divoire" the same, for headers (`rules.header_key`), reference names
(`screening.reference`) and rubric terms and project texts (`screening.textmatch`).

Lower case, Unicode compatibility decomposition (NFKD), nonspacing marks dropped, and the
letters NFKD does not decompose written in ASCII (`ø` -> `o`, `ł` -> `l`, `þ` -> `th`), so
"Łódź" is "lodz" everywhere. What is left that is not a letter or a digit, each caller turns
into what it needs (nothing for a header key, a space between words for matching).
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Letters NFKD does not decompose. textmatch's column path (Arrow) applies the same table.
LETTERS = {"ø": "o", "æ": "ae", "ß": "ss", "œ": "oe", "đ": "d", "ł": "l", "ð": "d", "þ": "th"}


def fold(text: str) -> str:
    """`text` lower-cased, decomposed, without marks, its undecomposable letters in ASCII."""
    # Lower, decompose, lower again: compatibility forms (a mathematical 𝘈) decompose to
    # upper-case ASCII.
    s = unicodedata.normalize("NFKD", text.lower()).lower()
    # Marks by category (Mn), as Arrow's \p{Mn} does: a few have combining class 0.
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn").translate(_LETTERS)


_LETTERS = str.maketrans(LETTERS)


@cache
def translation() -> dict[int, str | None]:
    """`fold`'s last steps as one `str.translate` table, for pandas' `Series.str.translate`:
    nonspacing marks (category Mn) dropped, LETTERS written in ASCII. Built on first use."""
    table: dict[int, str | None] = {ord(src): dst for src, dst in LETTERS.items()}
    # Marks live in the first two planes and in plane 14 (variation selectors).
    for start in (0, 0x10000, 0xE0000):
        for cp in range(start, start + 0x10000):
            if unicodedata.category(chr(cp)) == "Mn":
                table[cp] = None
    return table

"""The screening engine: every project against UNSCR 1325 and the gender equality strategy.

``screen(projects)`` returns two frames that map one-to-one onto the warehouse tables
``screening_results`` (one row per project) and ``screening_evidence`` (one row per criterion,
field, matched phrase and direction). Every number in a result can be traced to evidence rows,
and the rubric version that produced it is on every row.

How a project is scored (the rules themselves are in ``screening/rubrics/wps.yaml``; the
codebook they implement is FRAMEWORKS.md, "How this project scores a project"):

1. Matching (:mod:`.matching`): text fields are folded and scanned once with an Aho-Corasick
   automaton of every rubric term (:mod:`screening.textmatch`); purpose codes, the channel and
   the recipient's fragility in the project's years (:mod:`.setting`) add evidence that is
   not text. Counter-evidence spans (boilerplate, PSEA clauses, beneficiary lists, "not
   gender-specific") *suppress* the evidence that starts inside them; a negation cue a few
   words before a match in the same sentence turns that match against; the sentence's role
   (aim, activity, target, risk or context...) says how much a match in it can count.
2. Scoring (:mod:`.scoring`): evidence sets pillar levels (0/1/2) and the assessed marker;
   pillars count only in a WPS setting, whose basis (list, text, humanitarian) is recorded.
3. The engine (:mod:`.engine`) runs batches; :mod:`.parallel` forks for large frames;
   :mod:`.explain` prints one project as an evaluator reads it.

Everything is array arithmetic over the whole batch: no Python per project.
"""

from screening.screen.engine import (
    DEFAULT_CHUNK,
    EVIDENCE_COLUMNS,
    FLAGS,
    RESULT_COLUMNS,
    key_columns,
    screen,
)
from screening.screen.explain import MINIMUM_CRITERIA, explain
from screening.screen.rates import load_rates

__all__ = [
    "DEFAULT_CHUNK",
    "EVIDENCE_COLUMNS",
    "FLAGS",
    "MINIMUM_CRITERIA",
    "RESULT_COLUMNS",
    "explain",
    "key_columns",
    "load_rates",
    "screen",
]

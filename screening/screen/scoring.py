"""Scoring: evidence -> pillar levels, the WPS setting and its basis, the assessed marker, the
donor's claim and flag, confidence, and one plain summary line per project."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screening import vocabulary
from screening.rubric import FIELDS, PILLARS, SETTING_BASES, Rubric
from screening.screen.matching import _Hits

TEXT_FIELDS_FOR_MARKER = ("title", "description", "objectives", "indicators")
LEVEL_WORDS = {1: "passing", 2: "explicit"}
PILLAR_LABEL = {p: label.lower() for p, label in vocabulary.PILLARS.items()}


def _score(
    rubric: Rubric, hits: _Hits, n: int, gender_share: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Evidence -> pillar levels, setting and its basis, relevance, gender score, marker."""
    M, present = _criterion_scores(rubric, hits, n)
    kind = rubric.column("kind")
    setting = (present & (kind == "context")[None, :]).any(axis=1)
    live = _Live.of(rubric, hits)
    level, relevant = _pillar_levels(rubric, live, present, setting, n)
    marker_level = _marker_levels(rubric, live)
    assessed = _highest(n, live.row, marker_level)
    _women_services(rubric, live, marker_level, present, setting, level)
    mk = rubric.scoring.get("marker", {})
    cue_crit = rubric.column("principal_cue").astype(bool)
    principal_cue = (present & cue_crit[None, :]).any(axis=1)
    mostly = (
        np.zeros(n, dtype=bool)
        if gender_share is None
        else (gender_share >= float(mk.get("mostly_gender_share", 1.0)))
    )
    return {
        "level": level,
        "setting": setting,
        "basis": _setting_basis(rubric, hits, present, n),
        "relevant": relevant,
        "G": M.sum(axis=1),
        "assessed": np.where((principal_cue | mostly) & (assessed >= 1), 2, assessed),
    }


def _criterion_scores(rubric: Rubric, hits: _Hits, n: int) -> tuple[np.ndarray, np.ndarray]:
    """float [row, criterion]: weights of the distinct phrases of gender criteria (field
    weights, capped), shown as the gender score; bool [row, criterion]: the criterion has
    evidence that is not negated."""
    sc = rubric.scoring
    n_crit = len(rubric.criteria)
    fw = np.array([float(sc.get("field_weights", {}).get(f, 1.0)) for f in FIELDS])
    weight = rubric.column("weight").astype(float)
    cap = float(sc.get("criterion_cap", 1.5))
    counts = ~hits.negated  # negated evidence is shown, never scored
    present = np.zeros((n, n_crit), dtype=bool)
    present[hits.row[counts], hits.crit[counts]] = True
    gender = np.array([bool(c.marker) and c.kind != "context" for c in rubric.criteria])
    counts &= gender[hits.crit]
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
    M = np.bincount(cells // n_f, weights=per_field, minlength=n * n_crit).reshape(n, n_crit)
    total_lim = cap * np.abs(weight) * fw.max()
    return np.clip(M, -total_lim[None, :], total_lim[None, :]), present


@dataclass
class _Live:
    """The evidence that counts (neither negated nor against), with where each piece stands."""

    row: np.ndarray
    crit: np.ndarray
    field: np.ndarray
    roles: np.ndarray
    named: np.ndarray  # a partner's name
    risk: np.ndarray  # in a risk or example sentence (the rubric's passing roles)

    @classmethod
    def of(cls, rubric: Rubric, hits: _Hits) -> _Live:
        # Context and framing evidence works through ``present``; only pillar and gender
        # evidence has a level.
        leveled = np.array([c.kind in ("pillar", "marker") for c in rubric.criteria])
        live = ~hits.negated & ~hits.against & leveled[hits.crit]
        roles = hits.roles[live]
        passing = rubric.role_bits(*rubric.scoring.get("pillar", {}).get("passing_roles", []))
        return cls(
            hits.row[live],
            hits.crit[live],
            hits.field[live],
            roles,
            hits.named[live],
            (roles & passing) != 0,
        )

    def in_fields(self, names: list[str]) -> np.ndarray:
        return np.isin(np.array(FIELDS), names)[self.field]

    def in_roles(self, rubric: Rubric, names: list[str]) -> np.ndarray:
        return (self.roles & rubric.role_bits(*names)) != 0


def _pillar_levels(
    rubric: Rubric, live: _Live, present: np.ndarray, setting: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """int [row, pillar] levels and bool relevance (codebook rules 1-3).

    Every piece of evidence has a level of its own, from where it stands; a pillar takes the
    highest, so many passing mentions are still one passing mention.
    """
    pl = rubric.scoring.get("pillar", {})
    kind, severity = rubric.column("kind"), rubric.column("severity")
    stated = live.in_fields(pl.get("explicit_fields", ["title"])) | (
        live.in_roles(rubric, pl.get("explicit_roles", [])) & ~live.risk
    )
    hit_level = np.where(stated, 2, 1)
    hint = live.in_fields(pl.get("hint_fields", [])) | live.named
    hit_level = np.where(hint, np.minimum(hit_level, 1), hit_level)
    hit_level = np.where(live.in_fields(pl.get("no_level_fields", [])), 0, hit_level)
    hit_level = np.where(severity[live.crit] == "core", hit_level, np.minimum(hit_level, 1))
    feeds = (np.isin(severity, ["core", "supporting"]) & (kind == "pillar"))[live.crit]
    P = rubric.pillar_matrix
    level = np.column_stack(
        [
            _highest(n, live.row[on], hit_level[on])
            for on in (feeds & (P[live.crit, p] > 0) for p in range(len(PILLARS)))
        ]
    ).reshape(n, len(PILLARS))
    # WPS relevant: a pillar's own evidence (not a passing list or a women-specific service), or
    # the WPS agenda named, in a WPS setting.
    makes_relevant = rubric.column("makes_relevant").astype(bool)
    relevant = setting & (
        (level.max(axis=1) >= 1) | (present & makes_relevant[None, :]).any(axis=1)
    )
    for name, bases in pl.get("framing", {}).items():
        p = PILLARS.index(name)
        framed = _has_basis(rubric, present, bases)
        level[:, p] = np.where(framed, level[:, p], np.minimum(level[:, p], 1))
    passing = (present & (severity == "passing")[None, :]).astype(float) @ P > 0
    return np.maximum(level, passing.astype(np.int64)) * setting[:, None], relevant


def _highest(n: int, rows: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """int per row: the highest of the levels (0, 1, 2) given for it; 0 when none. Plain
    assignments, 1s then 2s, are faster than ``np.maximum.at`` on millions of hits."""
    out = np.zeros(n, dtype=np.int64)
    for value in (1, 2):
        out[rows[levels == value]] = value
    return out


def _has_basis(rubric: Rubric, present: np.ndarray, bases: list[str]) -> np.ndarray:
    """bool per row: evidence of a context or framing criterion of one of these bases."""
    basis_of = np.array([c.basis or "" for c in rubric.criteria])
    return np.asarray((present & np.isin(basis_of, bases)[None, :]).any(axis=1))


def _marker_levels(rubric: Rubric, live: _Live) -> np.ndarray:
    """int per piece of evidence: the marker it supports (codebook rule 4).

    A gender aim in the title or the main objective is principal (2); a deliberate objective,
    activity, target, or women named as its target group, significant (1); the rest 0.
    """
    mk = rubric.scoring.get("marker", {})
    role = np.array([cr.marker or "" for cr in rubric.criteria])[live.crit]
    kind = rubric.column("kind")[live.crit]
    objective = np.isin(role, mk.get("objective_roles", ["gender_objective"])) & (kind != "context")
    principal_role = np.isin(role, mk.get("principal_roles", ["gender_objective"]))
    main_aim = live.in_roles(rubric, mk.get("principal_sentence_roles", []))
    in_title = live.in_fields(mk.get("principal_fields", ["title"]))
    counted = live.in_fields(mk.get("objective_fields", []))
    deliberate = live.in_roles(rubric, mk.get("objective_sentence_roles", []))
    primary = live.in_roles(rubric, mk.get("target_group_roles", []))
    text = live.in_fields(list(TEXT_FIELDS_FOR_MARKER)) & ~live.named
    mention = np.isin(role, mk.get("mention_roles", []))
    return np.select(
        [
            objective & principal_role & (in_title | (main_aim & ~live.risk)),
            objective & text & (in_title | counted | (deliberate & ~live.risk)),
            mention & text & (primary | deliberate) & ~live.risk,
        ],
        [2, 1, 1],
        default=0,
    )


def _women_services(
    rubric: Rubric,
    live: _Live,
    marker_level: np.ndarray,
    present: np.ndarray,
    setting: np.ndarray,
    level: np.ndarray,
) -> None:
    """Women or girls as the target group of an activity, in a WPS setting, are a
    women-specific service (codebook rules 2, 3): relief and recovery 2 with a relief framing
    (emergency relief, recovery, the humanitarian channel) unless the project is about women's
    participation (a quota of committee members is participation, not a service); 1 where no
    other pillar claims the activity. Raises ``level`` in place."""
    pl = rubric.scoring.get("pillar", {})
    service = pl.get("women_service_pillar")
    if not service:
        return
    mk = rubric.scoring.get("marker", {})
    role = np.array([cr.marker or "" for cr in rubric.criteria])[live.crit]
    mention = np.isin(role, mk.get("mention_roles", []))
    served = np.zeros(len(setting), dtype=bool)
    served[live.row[mention & (marker_level >= 1)]] = True
    served &= setting
    framed = _has_basis(rubric, present, pl.get("women_service_framing", []))
    participation = level[:, PILLARS.index("participation")] > 0
    service_level = np.where(
        served & framed & ~participation, 2, np.where(served & (level.max(axis=1) == 0), 1, 0)
    )
    p = PILLARS.index(service)
    level[:, p] = np.maximum(level[:, p], service_level)


def _setting_basis(rubric: Rubric, hits: _Hits, present: np.ndarray, n: int) -> np.ndarray:
    """The first basis of the WPS setting that applies, as an index into
    ``rubric.setting_bases``: ``none``, then one ``list: <list and edition>`` per list edition,
    then ``text`` and ``humanitarian`` (codebook rule 1: list, text, humanitarian)."""
    labels = rubric.setting_bases
    code = np.zeros(n, dtype=np.int64)  # none
    basis = np.array([c.basis or "" for c in rubric.criteria])
    for name in reversed(SETTING_BASES):  # the first basis in the order wins: fill it last
        has = (present & (basis == name)[None, :]).any(axis=1)
        if name == "list":
            fragile = np.isin(hits.crit, np.flatnonzero(basis == "list"))
            rows, texts = hits.row[fragile], hits.text[fragile]
            by_text = rubric.list_basis_codes  # vocabulary text id -> label index
            code[rows[::-1]] = by_text[texts[::-1]]  # the row's first fragile hit wins
        else:
            code[has] = labels.index(name)
    return code


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

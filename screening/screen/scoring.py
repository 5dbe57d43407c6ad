"""Scoring: evidence -> pillar levels, the WPS setting and its basis, the assessed marker, the
donor's claim and flag, confidence, and one plain summary line per project."""

from __future__ import annotations

import numpy as np
import pandas as pd

from screening.rubric import FIELDS, PILLARS, SETTING_BASES, Rubric
from screening.screen.matching import _Hits

LEVEL_WORDS = {1: "passing", 2: "explicit"}
PILLAR_LABEL = {
    "participation": "participation",
    "protection": "protection",
    "prevention": "prevention",
    "relief_recovery": "relief and recovery",
}


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
    basis = _setting_basis(rubric, hits, present, n)
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
    return {
        "level": level,
        "setting": setting,
        "basis": basis,
        "relevant": relevant,
        "G": G,
        "assessed": assessed,
    }


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

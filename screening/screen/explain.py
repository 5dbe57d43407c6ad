"""Explanations: how an evaluator reads one project's result and evidence."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from screening.rubric import PILLARS, Rubric, resolve_rubric
from screening.screen.scoring import PILLAR_LABEL

SETTING_WORDS = {
    "text": "the text describes conflict, displacement or a crisis",
    "humanitarian": "a humanitarian project (channel or purpose code)",
}
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
    rb = resolve_rubric(rubric)
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
    basis = r.get("setting_basis")
    if setting is not None and not bool(setting):
        lines.append(
            "  Pillars are 0 because nothing places the project in a fragile or conflict-affected "
            "setting (not on the fragile-contexts list of its years, no conflict or crisis in "
            "its text, not humanitarian)."
        )
    elif isinstance(basis, str) and basis != "none":
        words = (
            f"the recipient is on the list of {basis.removeprefix('list: ')}, the edition of "
            "the project's years"
            if basis.startswith("list: ")
            else SETTING_WORDS.get(basis, basis)
        )
        lines.append(f"  WPS setting ({basis}): {words}.")
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

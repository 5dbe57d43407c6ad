"""Measure the screen like an evaluator: agreement with labelled projects, beside a naive rule.

The labelled set (``../shared/labelled/real_dev.csv``) holds real published activities labelled
by evaluators reading the codebook (FRAMEWORKS.md, "How this project scores a project"): the
WPS setting, the four pillar levels and the assessed OECD DAC marker, each with a ``split``
(``tune`` to calibrate on, ``check`` to measure on). The texts are in
``../shared/realdata/activities.csv`` (joined on ``iati_identifier``).

Each labelled activity with a recipient country and a DAC purpose code is screened as a row of
a bilateral workbook would be: title, description, recipient, sector (the first one listed),
start and end dates, budget and currency, and the donor's marker, passed through the same
normaliser a desk officer's workbook goes through. Activities without a country or sector are
left out and counted (a workbook row needs a country or region).

Figures: marker agreement as quadratic weighted kappa and exact agreement, level-2 F1 per
pillar (does the pillar reach 2?) and their macro mean, confusion matrices; the same marker
figures for the naive keyword rule ("women|gender|girls|female": in the title 2, in the text
1), which a screen has to beat to be worth its rules.

Everything here is a plain function over frames; ``screening evaluate`` prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from screening.rubric import PILLARS, Rubric

RubricLike = Rubric | str | Path | None

LEVELS = (0, 1, 2)
SPLITS = ("tune", "check")
LABEL_COLUMNS = ("setting", *PILLARS, "ge_objective")
NAIVE_WORDS = re.compile(r"\b(?:women|gender|girls|female)\b", re.IGNORECASE)


class LabelsError(ValueError):
    """The labelled set or its texts cannot be read as expected."""


# ---------------------------------------------------------------------------------- figures
def quadratic_kappa(truth: np.ndarray, pred: np.ndarray, levels: int = 3) -> float:
    """Cohen's kappa with quadratic weights on an ordinal 0..levels-1 scale (NaN when empty or
    when both raters put everything in one category)."""
    truth, pred = np.asarray(truth, dtype=int), np.asarray(pred, dtype=int)
    if len(truth) == 0:
        return float("nan")
    observed = confusion(truth, pred, levels).astype(float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    i, j = np.indices((levels, levels))
    w = (i - j) ** 2 / (levels - 1) ** 2
    denom = (w * expected).sum()
    return float(1 - (w * observed).sum() / denom) if denom else float("nan")


def exact_agreement(truth: np.ndarray, pred: np.ndarray) -> float:
    truth, pred = np.asarray(truth), np.asarray(pred)
    return float((truth == pred).mean()) if len(truth) else float("nan")


def confusion(truth: np.ndarray, pred: np.ndarray, levels: int = 3) -> np.ndarray:
    """int [truth level, predicted level] counts."""
    m = np.zeros((levels, levels), dtype=np.int64)
    np.add.at(m, (np.asarray(truth, dtype=int), np.asarray(pred, dtype=int)), 1)
    return m


def f1_at(truth: np.ndarray, pred: np.ndarray, level: int = 2) -> float:
    """F1 of "reaches ``level``"; NaN when neither the labels nor the screen have one."""
    t, p = np.asarray(truth) >= level, np.asarray(pred) >= level
    tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")


def naive_marker(title: pd.Series, text: pd.Series) -> np.ndarray:
    """The naive keyword rule: a gender word in the title 2, in the description 1, else 0."""
    in_title = title.fillna("").str.contains(NAIVE_WORDS)
    in_text = text.fillna("").str.contains(NAIVE_WORDS)
    return np.where(in_title, 2, np.where(in_text, 1, 0))


@dataclass
class SplitFigures:
    """What ``make eval`` prints for one split."""

    split: str
    n: int
    marker_kappa: float
    marker_exact: float
    naive_kappa: float
    naive_exact: float
    pillar_f1: dict[str, float]
    setting_exact: float
    marker_confusion: np.ndarray
    naive_confusion: np.ndarray
    pillar_confusion: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def macro_f1(self) -> float:
        values = [v for v in self.pillar_f1.values() if not np.isnan(v)]
        return float(np.mean(values)) if values else float("nan")


def split_figures(split: str, labels: pd.DataFrame, results: pd.DataFrame) -> SplitFigures:
    """Figures of one split; ``labels`` and ``results`` are aligned row for row."""
    truth = labels["ge_objective"].to_numpy(dtype=int)
    pred = results["marker_assessed"].astype("Int64").fillna(0).to_numpy(dtype=int)
    naive = labels["naive_marker"].to_numpy(dtype=int)
    pillars = {p: (labels[p].to_numpy(dtype=int), results[p].to_numpy(dtype=int)) for p in PILLARS}
    return SplitFigures(
        split=split,
        n=len(labels),
        marker_kappa=quadratic_kappa(truth, pred),
        marker_exact=exact_agreement(truth, pred),
        naive_kappa=quadratic_kappa(truth, naive),
        naive_exact=exact_agreement(truth, naive),
        pillar_f1={p: f1_at(t, s) for p, (t, s) in pillars.items()},
        setting_exact=exact_agreement(
            labels["setting"].to_numpy(dtype=bool), results["wps_setting"].to_numpy(dtype=bool)
        ),
        marker_confusion=confusion(truth, pred),
        naive_confusion=confusion(truth, naive),
        pillar_confusion={p: confusion(t, s) for p, (t, s) in pillars.items()},
    )


# ---------------------------------------------------------------------------------- the data
def default_activities(labels_path: Path) -> Path:
    """Where the texts of a labelled set live: ``../realdata/activities.csv`` beside it."""
    return labels_path.resolve().parent.parent / "realdata" / "activities.csv"


def load_labelled(labels_path: Path, activities_path: Path | None = None) -> pd.DataFrame:
    """The labels joined with their activities' texts (one row per labelled activity)."""
    activities_path = activities_path or default_activities(labels_path)
    for p in (labels_path, activities_path):
        if not Path(p).is_file():
            raise LabelsError(f"{p} is not there")
    labels = pd.read_csv(labels_path, dtype={"iati_identifier": "string", "split": "string"})
    missing = {"iati_identifier", "split", *LABEL_COLUMNS} - set(labels.columns)
    if missing:
        raise LabelsError(f"{labels_path} lacks the columns {sorted(missing)}")
    acts = pd.read_csv(activities_path, dtype="string", keep_default_na=False, na_values=[""])
    acts = acts.drop_duplicates("iati_identifier")
    joined = labels.merge(acts, on="iati_identifier", how="left", validate="one_to_one")
    lost = joined["title"].isna() & joined["description"].isna()
    if lost.all():
        raise LabelsError(f"no labelled activity found in {activities_path}")
    joined["naive_marker"] = naive_marker(joined["title"], joined["description"])
    return joined


def workbook_rows(joined: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The activities a bilateral workbook could hold, as its text rows, and the mask of them.

    A workbook row has one recipient and one sector: the first of each listed. What a desk
    officer types is text, so everything is passed on as text for the normaliser to read.
    """
    country = joined["recipient_country"].fillna("").str.split(";").str[0].str.strip()
    sector = joined["sectors"].fillna("").str.extract(r"(\d{5})", expand=False)
    usable = (country != "") & sector.notna()
    part = joined[usable]
    rows = pd.DataFrame(
        {
            "sheet": "labelled",
            "row_number": pd.array(np.arange(2, len(part) + 2), dtype="Int64"),
            "project_id": part["iati_identifier"],
            "title": part["title"],
            "description": part["description"],
            "recipient_country": country[usable],
            "sector_code": sector[usable],
            "start_date": part["start_date"],
            "end_date": part["end_date"],
            "budget": part["total_budget_or_commitment"],
            "currency": part["currency"],
            "gender_marker": part["gender_marker_significance"],
        },
        index=part.index,
    ).astype("string")
    return rows, usable


def screen_labelled(joined: pd.DataFrame, rubric: RubricLike = None) -> tuple[pd.DataFrame, ...]:
    """(labels, results, evidence) of the activities a workbook could hold, aligned by index."""
    from screening.normalise import normalise
    from screening.screen import screen

    rows, usable = workbook_rows(joined)
    projects, _ = normalise(rows, channel="bilateral")
    results, evidence = screen(projects, rubric)
    return joined[usable], results, evidence


def evaluate(
    joined: pd.DataFrame, rubric: RubricLike = None
) -> tuple[dict[str, SplitFigures], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Figures per split, and the labels, results and evidence they come from."""
    labels, results, evidence = screen_labelled(joined, rubric)
    figures = {
        s: split_figures(s, labels[labels["split"] == s], results[labels["split"] == s])
        for s in SPLITS
        if (labels["split"] == s).any()
    }
    return figures, labels, results, evidence


def disagreements(labels: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """One row per labelled activity where the screen and the evaluators differ: marker, setting
    or a pillar's level 2 (the figures count those)."""
    out = pd.DataFrame(
        {
            "project_id": labels["iati_identifier"],
            "split": labels["split"],
            "marker": labels["ge_objective"].astype(int).astype(str)
            + "/"
            + results["marker_assessed"].astype("Int64").astype("string"),
            "setting": labels["setting"].astype(int).astype(str)
            + "/"
            + results["wps_setting"].astype(int).astype(str),
            **{
                p: labels[p].astype(int).astype(str) + "/" + results[p].astype(int).astype(str)
                for p in PILLARS
            },
            "rationale": labels["rationale"],
        },
        index=labels.index,
    )
    differs = labels["ge_objective"].to_numpy() != results["marker_assessed"].fillna(-1).to_numpy()
    differs |= labels["setting"].astype(bool).to_numpy() != results["wps_setting"].to_numpy()
    for p in PILLARS:
        differs |= (labels[p].to_numpy() == 2) != (results[p].to_numpy() == 2)
    return out[differs]


# ---------------------------------------------------------------------------------- printing
def _fmt(x: float) -> str:
    return "  -  " if np.isnan(x) else f"{x:5.2f}"


def figures_table(figures: dict[str, SplitFigures]) -> str:
    """The headline figures of every split, the naive rule beside the screen."""
    head = (
        f"{'split':<6} {'n':>4}  {'kappa':>5} {'exact':>5} | naive {'kappa':>5} {'exact':>5} | "
        + " ".join(f"{p[:11]:>11}" for p in PILLARS)
        + f" {'macro F1':>8} | setting"
    )
    lines = [
        "Marker: quadratic weighted kappa and exact agreement; pillars: level-2 F1.",
        head,
    ]
    for f in figures.values():
        lines.append(
            f"{f.split:<6} {f.n:>4}  {_fmt(f.marker_kappa)} {_fmt(f.marker_exact)} |       "
            f"{_fmt(f.naive_kappa)} {_fmt(f.naive_exact)} | "
            + " ".join(f"{_fmt(f.pillar_f1[p]):>11}" for p in PILLARS)
            + f" {_fmt(f.macro_f1):>8} | {_fmt(f.setting_exact)}"
        )
    return "\n".join(lines)


def confusion_text(f: SplitFigures) -> str:
    """The confusion matrices of one split (rows: evaluators, columns: screen)."""

    def block(title: str, m: np.ndarray) -> list[str]:
        return [f"  {title}", "           screen 0   1   2"] + [
            f"    label {i}      " + " ".join(f"{v:3d}" for v in m[i]) for i in LEVELS
        ]

    lines = [f"Confusion matrices, {f.split} (rows: evaluators' label; columns: screen)"]
    lines += block("marker", f.marker_confusion)
    lines += block("naive rule", f.naive_confusion)
    for p in PILLARS:
        lines += block(p, f.pillar_confusion[p])
    return "\n".join(lines)


def evidence_text(project_id: str, evidence: pd.DataFrame, limit: int = 8) -> list[str]:
    """The evidence rows of one project, shortest first line per criterion and phrase."""
    ev = evidence[evidence["project_id"] == project_id]
    out = []
    for row in ev.head(limit).itertuples(index=False):
        ctx = f" ...{row.context}..." if isinstance(row.context, str) and row.context else ""
        out.append(
            f"      {row.direction:<7} [{row.criterion}] {row.field}: '{row.matched_text}'{ctx}"
        )
    if len(ev) > limit:
        out.append(f"      (+{len(ev) - limit} more evidence rows)")
    return out


def report(
    labels_path: Path,
    activities_path: Path | None = None,
    *,
    show_check: bool = False,
    show: int | None = None,
    rubric: RubricLike = None,
) -> str:
    """What ``screening evaluate`` prints: figures per split with the naive rule beside them,
    confusion matrices, and the disagreements with their evidence.

    Disagreements are listed for ``tune`` only unless ``show_check``: the ``check`` split is
    measured, never read item by item (reading it is how a rubric gets tuned on it). ``show``
    limits how many are listed (None: all).
    """
    from screening.rubric import resolve_rubric

    joined = load_labelled(Path(labels_path), activities_path)
    figures, labels, results, evidence = evaluate(joined, rubric)
    rb = resolve_rubric(rubric)
    left_out = len(joined) - len(labels)
    lines = [
        f"Labelled set {labels_path}: {len(joined)} activities; {len(labels)} screened as "
        f"bilateral workbook rows, {left_out} left out (no recipient country or no DAC sector). "
        f"Rubric {rb.version}.",
        "",
        figures_table(figures),
    ]
    for f in figures.values():
        lines += ["", confusion_text(f)]
    splits = ("tune", "check") if show_check else ("tune",)
    diff = disagreements(labels, results)
    diff = diff[diff["split"].isin(splits)]
    lines += [
        "",
        f"Disagreements ({', '.join(splits)}; label/screen): {len(diff)}"
        + ("" if show_check else " (check: figures only; --show-check lists them)"),
    ]
    for row in diff.head(show if show is not None else len(diff)).itertuples(index=False):
        cells = " ".join(f"{k}={getattr(row, k)}" for k in ("marker", "setting", *PILLARS))
        title = joined.loc[labels.index[labels["iati_identifier"] == row.project_id][0], "title"]
        lines += [
            f"  {row.project_id} [{row.split}] {cells}",
            f"    title: {title}",
            f"    evaluators: {row.rationale}",
            *evidence_text(row.project_id, evidence),
        ]
    return "\n".join(lines)

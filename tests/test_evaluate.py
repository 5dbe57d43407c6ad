"""Measuring the screen like an evaluator: the figures, the command, and the real labelled set.

The labelled set is read in place from ../shared/labelled (beside the clone); its tests skip
when it is not there. Their floors sit just under what the rubric achieves, on both splits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from screening.evaluate import (
    confusion,
    evaluate,
    exact_agreement,
    f1_at,
    load_labelled,
    naive_marker,
    quadratic_kappa,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
LABELS = SHARED / "labelled" / "real_dev.csv"


def test_quadratic_kappa() -> None:
    a = np.array([0, 1, 2, 0, 1, 2])
    assert quadratic_kappa(a, a) == pytest.approx(1.0)
    # Off by one is penalised less than off by two.
    near = quadratic_kappa(a, np.array([0, 1, 1, 0, 1, 2]))
    far = quadratic_kappa(a, np.array([0, 1, 0, 0, 1, 2]))
    assert 0 < far < near < 1
    # Worked by hand: truth [0,0,1,2], screen [0,1,1,1], weights (i-j)^2/4: observed
    # 0.25 + 0.25 = 0.5; expected sum(w * rows * cols) / 4 = 3.5 / 4 -> 1 - 0.5 / 0.875.
    assert quadratic_kappa(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1])) == pytest.approx(
        1 - 0.5 / 0.875
    )


def test_f1_exact_and_confusion() -> None:
    truth, pred = np.array([2, 2, 1, 0, 2]), np.array([2, 1, 2, 0, 2])
    assert f1_at(truth, pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert np.isnan(f1_at(np.array([0, 1]), np.array([1, 0])))
    assert exact_agreement(truth, pred) == pytest.approx(0.6)
    m = confusion(truth, pred)
    assert m.sum() == 5 and m[2, 1] == 1 and m[1, 2] == 1 and m[2, 2] == 2


def test_naive_rule() -> None:
    title = pd.Series(["Support to women farmers", "Roads", "Roads", None], dtype="string")
    text = pd.Series(["", "Gender equality matters.", "Bridges.", "Girls' schools"], dtype="string")
    assert naive_marker(title, text).tolist() == [2, 1, 0, 1]


def _write_set(tmp: Path) -> Path:
    (tmp / "labelled").mkdir()
    (tmp / "realdata").mkdir()
    pd.DataFrame(
        {
            "iati_identifier": ["A", "B", "C", "D"],
            "split": ["tune", "tune", "check", "tune"],
            "setting": [1, 0, 1, 1],
            "setting_basis": ["list", "none", "text", "list"],
            "participation": [0, 0, 2, 0],
            "protection": [2, 0, 0, 0],
            "prevention": [0, 0, 0, 0],
            "relief_recovery": [0, 0, 0, 0],
            "ge_objective": [2, 0, 2, 0],
            "rationale": ["GBV services", "roads", "women mediators", "no country"],
        }
    ).to_csv(tmp / "labelled" / "set.csv", index=False)
    pd.DataFrame(
        {
            "iati_identifier": ["A", "B", "C", "D"],
            "recipient_country": ["SO", "DK", "CO", ""],
            "title": ["GBV response in Mogadishu", "Roads", "Women in the peace talks", "Fund"],
            "description": [
                "The project provides case management to survivors of gender-based violence.",
                "Road maintenance.",
                "The programme trains women mediators and delegates for the peace talks after "
                "the armed conflict.",
                "A global fund.",
            ],
            "sectors": ["15180", "21020", "15220", "15110"],
            "start_date": ["2020-01-01", "2020-01-01", "2020-01-01", ""],
            "end_date": ["2022-12-31", "", "", ""],
            "total_budget_or_commitment": ["1000", "", "", ""],
            "currency": ["USD", "", "", ""],
            "gender_marker_significance": ["2", "0", "1", ""],
        }
    ).to_csv(tmp / "realdata" / "activities.csv", index=False)
    return tmp / "labelled" / "set.csv"


def test_evaluate_screens_workbook_rows_and_leaves_out_rows_without_a_country(
    tmp_path: Path,
) -> None:
    figures, labels, results, evidence = evaluate(load_labelled(_write_set(tmp_path)))
    assert labels["iati_identifier"].tolist() == ["A", "B", "C"]  # D has no country
    assert set(figures) == {"tune", "check"}
    assert figures["tune"].n == 2 and figures["check"].n == 1
    assert figures["tune"].marker_exact == 1.0
    assert results.loc[labels.index[0], "setting_basis"].startswith("list: ")
    assert not evidence.empty


def test_evaluate_command(tmp_path: Path) -> None:
    from faces.cli import app

    out = CliRunner().invoke(app, ["evaluate", str(_write_set(tmp_path))])
    assert out.exit_code == 0, out.output
    assert "naive" in out.output and "macro F1" in out.output
    assert "Confusion matrices, tune" in out.output and "Confusion matrices, check" in out.output
    assert "3 screened as bilateral workbook rows, 1 left out" in out.output
    missing = CliRunner().invoke(app, ["evaluate", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "is not there" in missing.output


# ------------------------------------------------------------------------------ real labels
@pytest.fixture(scope="module")
def real_figures() -> dict:
    if not LABELS.is_file():
        pytest.skip("../shared/labelled is not present")
    figures, *_ = evaluate(load_labelled(LABELS))
    return figures


# Floors just under what `make eval` prints (see README, "How good is it?").
FLOORS = {
    "tune": {"kappa": 0.80, "exact": 0.78, "macro_f1": 0.70, "setting": 0.90},
    "check": {"kappa": 0.85, "exact": 0.82, "macro_f1": 0.40, "setting": 0.85},
}


@pytest.mark.parametrize("split", ["tune", "check"])
def test_real_labelled_set_floors(real_figures: dict, split: str) -> None:
    f = real_figures[split]
    floor = FLOORS[split]
    print(
        f"\n{split}: kappa {f.marker_kappa:.2f} (naive {f.naive_kappa:.2f}), exact "
        f"{f.marker_exact:.2f}, macro F1 {f.macro_f1:.2f}, setting {f.setting_exact:.2f}"
    )
    assert f.marker_kappa >= floor["kappa"]
    assert f.marker_kappa > f.naive_kappa
    assert f.marker_exact >= floor["exact"]
    assert f.macro_f1 >= floor["macro_f1"]
    assert f.setting_exact >= floor["setting"]

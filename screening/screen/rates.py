"""Exchange rates for the warehouse's summaries in one currency (the SQL views convert)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

RATES_PATH = Path(__file__).resolve().parents[2] / "data" / "reference" / "exchange_rates.csv"


def load_rates(path: str | Path | None = None) -> pd.DataFrame:
    """Annual average exchange rates, national currency per USD: ``year, currency, per_usd``."""
    rates = pd.read_csv(path or RATES_PATH, dtype={"currency": "string"})
    rates["year"] = rates["year"].astype("Int64")
    rates["per_usd"] = rates["per_usd"].astype("Float64")
    return rates

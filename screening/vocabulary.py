"""The words the pipeline's results are made of, each said once: channels, UNSCR 1325 pillars
and marker flags, with the labels people read. Every module, face and test takes them from here.

- Channels: shared/PORTFOLIO-FORMAT.md ("Channels"): how aid is delivered.
- Pillars: UNSCR 1325 (2000) and the UN's four pillars of the WPS agenda (participation,
  protection, prevention, relief and recovery), as the rubric (screening/rubrics/wps.yaml) scores
  them and the warehouse stores them (`screening_results`, one column each).
- Marker flags: how the marker a donor claimed compares with the one the evidence supports
  (`screening_results.marker_flag`).

The benchmark figures (OECD DAC averages, the UN 15% target) are declared once, in the rubric's
`benchmarks` section; the warehouse keeps them in its `benchmarks` table.
"""

from __future__ import annotations

CHANNELS: tuple[str, ...] = ("bilateral", "multilateral", "humanitarian")

PILLARS: dict[str, str] = {
    "participation": "Participation",
    "protection": "Protection",
    "prevention": "Prevention",
    "relief_recovery": "Relief and recovery",
}

FLAGS: dict[str, str] = {
    "consistent": "The claimed marker is the one the evidence supports.",
    "overclaimed": "The donor claimed more than the evidence supports.",
    "underclaimed": "The evidence supports more than the donor claimed.",
    "not_screened": "No marker was claimed (or an aggregate line): nothing to compare.",
}

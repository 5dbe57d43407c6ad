"""The rule catalogue and the field table, loaded from the YAML beside this file.

Findings are rows: one finding per (row, column, rule), in a frame with FINDING_COLUMNS.
A message names its row the way the row's source does (`{row}`: "Row 12" in a workbook,
"Line 12" in a CRS CSV extract, "Activity 5 (XM-...)" in an IATI file): the reader builds the
label with `row_label` and carries it in the rows frame's ROW_LABEL column, and
`make_findings` uses it, falling back to "Row {row_number}" for a row without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from screening.errors import ConfigurationError, UploadRefused
from screening.textfold import fold

RULES_DIR = Path(__file__).resolve().parent
SEVERITIES = ("refuse", "error", "warning", "skip", "info")
FINDING_COLUMNS = ["sheet", "row_number", "column_name", "value", "rule", "severity", "message"]
ROW_LABEL = "row_label"
"""Column of a rows or projects frame: how messages name the row (`{row}`); NA reads "Row N"."""
ROW = "row"
"""The kind of row a label names when its reader gave none: a worksheet row as Excel shows it."""
WITH_IDENTIFIER = "with_identifier"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    description: str
    message: str
    sheet_message: str | None = None  # said once when the rule rejects a whole sheet

    def format(self, **values: object) -> str:
        """The message with its placeholders filled; missing ones read as empty.

        `{row}` defaults to the worksheet label of `row_number` ("Row 12") when not given.
        """
        if not _present(values.get("row")):
            values.pop("row", None)
            if _present(values.get("row_number")):
                values["row"] = row_label(ROW, values["row_number"])
        return self.message.format_map(_Blank(values))


    def format_sheet(self, **values: object) -> str:
        """The message said once for a whole sheet (`sheet_message`), else the row message."""
        return (self.sheet_message or self.message).format_map(_Blank(values))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    description: str
    aliases: tuple[str, ...]
    required_for: tuple[str, ...] = ()
    default: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # language -> template header


def load_yaml(path: Path) -> dict:
    """A rules or reference YAML file; a missing or malformed one is a ConfigurationError."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc


@cache
def _catalogue() -> dict:
    return load_yaml(RULES_DIR / "findings.yaml")


@cache
def rules() -> dict[str, Rule]:
    """Every finding rule by id."""
    out = {}
    for rule_id, spec in _catalogue()["rules"].items():
        if spec.get("severity") not in SEVERITIES:
            raise ConfigurationError(f"rule {rule_id} has severity {spec.get('severity')!r}")
        out[rule_id] = Rule(id=rule_id, **spec)
    return out


def rule(rule_id: str) -> Rule:
    try:
        return rules()[rule_id]
    except KeyError:
        raise ConfigurationError(f"rule {rule_id!r} is not in findings.yaml") from None


def refusal(rule_id: str, file_name: str, detail: str = "") -> UploadRefused:
    """The `UploadRefused` of a refuse rule, its message filled in: the one way to build one."""
    placeholders = {"file_name": file_name, "detail": detail}
    message = rule(rule_id).format(**placeholders)
    return UploadRefused(message, rule=rule_id, placeholders=placeholders)


@cache
def row_kinds() -> dict[str, str]:
    """Label template by kind of row (`row`, `line`, `activity`), from findings.yaml."""
    spec = dict(_catalogue().get("row_labels") or {})
    spec.pop(WITH_IDENTIFIER, None)
    if ROW not in spec:
        raise ConfigurationError(f"findings.yaml: row_labels has no {ROW!r} label")
    return spec


def row_label(kind: str, row_number: object, identifier: object = None) -> str:
    """How a message names a row: `Row 12`, `Line 12`, `Activity 5 (XM-DAC-41114-PROJECT-00012)`.

    `kind` is a key of `row_labels` in findings.yaml; `identifier`, the row's own ID where its
    source has one (an IATI activity's iati-identifier), is added when present.
    """
    try:
        template = row_kinds()[kind]
    except KeyError:
        raise ConfigurationError(f"row kind {kind!r} is not in findings.yaml: row_labels") from None
    label = template.format(row_number=row_number)
    if _present(identifier) and str(identifier).strip():
        combined = _catalogue()["row_labels"].get(WITH_IDENTIFIER, "{label} ({identifier})")
        label = combined.format(label=label, identifier=str(identifier).strip())
    return label


def _present(value: object) -> bool:
    if value is None or (isinstance(value, str) and not value):
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array: present
        return True


@cache
def field_table() -> dict:
    """The raw field table (fields, sheet_channels, skip_sheets, blank_markers, total_markers).

    Use `sheet_channel` for a sheet's channel."""
    return load_yaml(RULES_DIR / "fields.yaml")


@cache
def blank_markers() -> frozenset[str]:
    """Cell texts that mean "empty" (`N/A`, `-`, ...), case-folded."""
    return frozenset(m.casefold() for m in field_table()["blank_markers"])


@cache
def note_markers() -> tuple[str, ...]:
    """How a source or footnote line starts (`Kilde`, `Source:`, `*`), case-folded."""
    return tuple(str(m).casefold() for m in field_table()["note_markers"])


@cache
def total_keys() -> frozenset[str]:
    """Header keys of the words that open a closing total line (`Total`, `I alt`, ...)."""
    return frozenset(header_key(m) for m in field_table()["total_markers"])


@cache
def fields() -> dict[str, FieldSpec]:
    """Canonical fields by name, in their canonical order."""
    return {
        name: FieldSpec(
            name=name,
            label=spec["label"],
            type=spec["type"],
            description=spec["description"],
            aliases=tuple(spec.get("aliases", ())),
            required_for=tuple(spec.get("required_for", ())),
            default=spec.get("default"),
            headers=dict(spec.get("header") or {}),
        )
        for name, spec in field_table()["fields"].items()
    }


def header_key(text: object) -> str:
    """A header as matched: lower case, accents folded, and only letters and digits kept.

    `"Budget\\n(DKK)"` and `"budget dkk"` give the same key; `"Ligestillingsmarkør"` gives
    `"ligestillingsmarkor"`. The folding is `screening.textfold`'s, the rubric's too.
    """
    return re.sub(r"[^0-9a-z]+", "", fold(str(text)))


@cache
def alias_index() -> dict[str, str]:
    """Header key -> canonical field name, from the field names and all their aliases."""
    index: dict[str, str] = {}
    for spec in fields().values():
        for alias in (spec.name, *spec.headers.values(), *spec.aliases):
            key = header_key(alias)
            if index.get(key, spec.name) != spec.name:
                raise ConfigurationError(f"alias {alias!r} names both {index[key]} and {spec.name}")
            index[key] = spec.name
    return index


@cache
def _sheet_channel_index() -> dict[str, str]:
    return {
        _sheet_key(name): channel
        for channel, names in field_table()["sheet_channels"].items()
        for name in names
    }


def _sheet_key(name: object) -> str:
    """A sheet name as matched: like a header, with digits (a year: "Bilat 2024") ignored."""
    return re.sub(r"[0-9]+", "", header_key(name))


def sheet_channel(name: str) -> str | None:
    """The channel a sheet's name gives (`Humanitær`, `Bilat 2024`), or None."""
    return _sheet_channel_index().get(_sheet_key(name))


def column_label(column: str) -> str:
    """How messages name a column: `"DAC purpose code"` for `sector_code`."""
    spec = fields().get(column)
    return spec.label if spec else column.replace("_", " ")


def findings_frame(rows: list[dict] | dict | None = None) -> pd.DataFrame:
    """A findings frame with the standard columns (empty when no rows are given)."""
    frame = pd.DataFrame(rows or [], columns=FINDING_COLUMNS)
    return frame.astype({"row_number": "Int64"})


def make_findings(
    rule_id: str,
    rows: pd.DataFrame,
    column: str,
    values: pd.Series | None = None,
    **placeholders: object,
) -> pd.DataFrame:
    """Findings of one rule for every row of `rows` (which has `sheet`, `row_number`, `channel`).

    `values` are the offending values shown to the user (defaults to `rows[column]`).
    `{row}` is the row's ROW_LABEL when `rows` has one, else "Row {row_number}".
    Vectorised enough for thousands of findings: one format call per finding, no per-row I/O.
    """
    r = rule(rule_id)
    if rows.empty:
        return findings_frame()
    vals = rows[column] if values is None else values
    vals = vals.astype("string").fillna("")
    channels = rows["channel"] if "channel" in rows else pd.Series("", index=rows.index)
    label = column_label(column)
    messages = [
        r.format(
            sheet=s, row_number=n, row=w, column=label, value=v, channel=c or "", **placeholders
        )
        for s, n, w, v, c in zip(
            rows["sheet"],
            rows["row_number"],
            rows[ROW_LABEL] if ROW_LABEL in rows else [None] * len(rows),
            vals,
            channels.fillna(""),
            strict=True,
        )
    ]
    return findings_frame(
        {
            "sheet": rows["sheet"].to_numpy(),
            "row_number": rows["row_number"].to_numpy(),
            "column_name": column,
            "value": vals.to_numpy(),
            "rule": rule_id,
            "severity": r.severity,
            "message": messages,
        }
    )

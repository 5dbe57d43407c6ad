"""Read an IATI activity file (XML, versions 1.0x and 2.0x, plain or gzipped) as a portfolio.

One row per `<iati-activity>`, in the read stage's frame, so the same normalise, validate and
screen stages apply. The two versions differ in ways that matter here: 1.0x writes text
straight into elements and codes as words (`start-planned`, `Implementing`, `C`, vocabulary
`DAC`); 2.0x wraps text in `<narrative xml:lang>` children and uses numbers. The reader
accepts both spellings everywhere (code lists in data/reference/crs_iati_codelists.yaml)
rather than trusting the declared version, because files in the wild mix them or declare none.

Safety and size: the file comes from outside, so it is parsed with defusedxml (a DTD, entity
declarations or external references refuse the upload: that is how XML bombs work, and IATI
never needs them) and streamed with `iterparse`, each activity cleared once read, so memory
stays bounded by the largest activity, not the file (a 100 MB file works). Gzip is detected
by its magic bytes, not the name, and decompression is capped by SCREENING_MAX_UNZIPPED_BYTES.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError

import pandas as pd
import pycountry
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from screening import config, rules
from screening.readers.grid import (
    LEAD_COLUMNS,
    ReadResult,
    amount_text,
    build_rows_frame,
    human_size,
    to_json,
)
from screening.reference import channel_of_bi_multi, codelists, is_humanitarian_purpose
from screening.rules import refusal

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
# How messages name an activity: its position in the file and its iati-identifier
# ("Activity 5 (XM-DAC-41114-PROJECT-00012)"; row_labels in screening/rules/findings.yaml).
ROW_KIND = "activity"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SNIFF_BYTES = 64 * 1024
ENGLISH = "en"
# Kosovo has no ISO 3166 code; IATI uses the user-assigned XK (early publishers wrote KS),
# the EU and World Bank XKX.
EXTRA_ALPHA2 = {"XK": "XKX", "KS": "XKX"}
# Roots that wrap <iati-activities> in API answers saved to disk (IATI Datastore v1 and
# d-portal's ctrack: <result><ok>True</ok><iati-activities>...). Accepted, nothing else is.
API_WRAPPERS = ("result",)

_PROLOG = re.compile(
    r"""\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*""", re.DOTALL | re.IGNORECASE
)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


# --- sniffing -----------------------------------------------------------------------------


def looks_like_iati(path: Path) -> bool:
    """True when the file (plain or gzipped) is XML whose root element is `iati-activities`.

    Reads at most the first 64 KB of the (decompressed) text and parses nothing: a regular
    expression skips the XML declaration, comments and any DOCTYPE and names the first tag.
    An API answer wrapping `<iati-activities>` in `<result>` counts too (API_WRAPPERS).
    A file with a DTD still counts as IATI here, so that `read_iati` refuses it with the
    reason instead of the workbook reader calling it "not a workbook".
    """
    try:
        head = _head(path)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile):
        return False
    name = _root_name(head)
    if name in API_WRAPPERS:
        return re.search(r"<(?:[\w.\-]+:)?iati-activities[\s>]", head) is not None
    return name == "iati-activities"


def _head(path: Path) -> str:
    with path.open("rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == GZIP_MAGIC else open
    with opener(path, "rb") as f:
        data = f.read(SNIFF_BYTES)
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _root_name(text: str) -> str | None:
    if "<" not in text:
        return None
    start = _PROLOG.match(text)
    match = _FIRST_TAG.match(text, start.end() if start else 0)
    return match.group(2) if match else None


# --- reading ------------------------------------------------------------------------------


class _CappedReader(io.RawIOBase):
    """A read-only stream that refuses once more than `limit` bytes came out of it.

    Guards gzip input: 100 KB of gzip can expand to gigabytes, and iterparse would happily
    stream through them all.
    """

    def __init__(self, inner: IO[bytes] | gzip.GzipFile, limit: int, file_name: str) -> None:
        self.inner, self.limit, self.file_name, self.count = inner, limit, file_name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.inner.read(len(view))
        self.count += len(data)
        if self.count > self.limit:
            raise refusal(
                "upload.unzipped_too_large", self.file_name, f"more than {human_size(self.limit)}"
            )
        view[: len(data)] = data
        return len(data)


def read_iati(path: Path, file_name: str | None = None) -> ReadResult:
    """Read every `<iati-activity>` of an IATI file into the read-stage frame.

    `row_number` is the activity's 1-based position in the file, `sheet` the file name, and
    `row_label` (after the lead columns) names it in messages by position and iati-identifier.
    Refuses (`UploadRefused`) unsafe XML (`upload.xml_unsafe`), XML that is not an IATI
    activity file (`upload.not_iati`), broken XML or gzip (`upload.unreadable`), gzip that
    expands too far (`upload.unzipped_too_large`) and a file without activities
    (`upload.no_rows`).
    """
    name = file_name or path.name
    with path.open("rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as raw_stream:
            capped = _CappedReader(raw_stream, config.MAX_UNZIPPED_BYTES, name)
            records, version = _parse(io.BufferedReader(capped, 1 << 16), name)
    except (OSError, EOFError, zlib.error) as exc:
        raise refusal("upload.unreadable", name, f"gzip error: {exc}") from exc
    if not records:
        raise refusal("upload.no_rows", name)
    frame = build_rows_frame(records)
    labels = pd.array([r[rules.ROW_LABEL] for r in records], dtype="string")
    frame.insert(len(LEAD_COLUMNS), rules.ROW_LABEL, labels)
    return ReadResult(
        rows=frame,
        findings=rules.findings_frame(),
        sheets=[
            {"name": name, "status": "read", "reason": None, "header_row": None, "rows": len(frame)}
        ],
        source="iati",
        details={"version": version, "gzipped": gzipped},
    )


def _parse(stream: IO[bytes], name: str) -> tuple[list[dict], str | None]:
    """Stream the activities out of the XML: the rows and the file's declared version."""
    records: list[dict] = []
    root: Element | None = None
    container: Element | None = None  # the <iati-activities> element
    file_lang = version = None
    try:
        for event, elem in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            tag = _local(elem.tag)
            if root is None:
                root = elem
                if tag not in ("iati-activities", *API_WRAPPERS):
                    raise refusal("upload.not_iati", name, tag)
            if container is None:
                if event == "start" and tag == "iati-activities":
                    container = elem
                    version = elem.get("version")
                    file_lang = elem.get(XML_LANG)
                continue
            if event == "end" and tag == "iati-activity":
                records.append(_activity(elem, len(records) + 1, name, version, file_lang))
                container.clear()  # bounded memory: drop the activity just read
    except DefusedXmlException as exc:
        raise refusal("upload.xml_unsafe", name, type(exc).__name__) from exc
    except ParseError as exc:
        if root is None:
            raise refusal("upload.not_iati", name, "none: the file is not well-formed XML") from exc
        raise refusal("upload.unreadable", name, f"XML error: {exc}") from exc
    if container is None:
        raise refusal("upload.not_iati", name, _local(root.tag) if root is not None else "none")
    return records, version


# --- one activity -----------------------------------------------------------------------------


def _activity(
    a: Element, index: int, sheet: str, file_version: str | None, file_lang: str | None
) -> dict:
    """The row of one activity: canonical fields as text, the rest in `extra`, all in `raw`."""
    lang = _lang(a.get(XML_LANG) or file_lang)
    kids: dict[str, list[Element]] = defaultdict(list)
    for child in a:
        kids[_local(child.tag)].append(child)
    cl = codelists()

    identifier = _first_text(kids["iati-identifier"])
    title = _best_text(kids["title"], lang)
    descriptions = _descriptions(kids["description"], lang)
    general = descriptions.get("general")
    objectives = _join(descriptions.get("objectives"), descriptions.get("target_groups"))
    description: str | None
    if general:
        description = general
    else:  # no general description: the others are all there is to screen
        description, objectives = _join(objectives, descriptions.get("other")), None

    countries = [_share(e, lang) for e in kids["recipient-country"]]
    regions = [
        _share(e, lang)
        for e in kids["recipient-region"]
        if (e.get("vocabulary") or "").strip().lower() in cl["region_vocabulary_dac"]
    ]
    transactions = [_transaction(t, lang, a.get("default-currency")) for t in kids["transaction"]]
    recipient = _recipient(countries, regions, transactions)

    sectors = [_sector(e, lang) for e in kids["sector"]]
    dac5 = [s for s in sectors if s["kind"] == "dac5"]
    sector_code = _largest(dac5) or _weighted(
        [(s, t["value"]) for t in transactions for s in t["sectors"]]
    )
    clusters = [s for s in sectors if s["kind"] == "cluster"]
    cluster = None
    if clusters:
        top = max(clusters, key=lambda s: s["percentage"] or 0)
        cluster = top["name"] or top["code"]

    markers = [_marker(e) for e in kids["policy-marker"]]
    gender = next((m["significance"] for m in markers if m["gender"] and m["significance"]), None)

    collaboration = _first_attr(kids["collaboration-type"], "code")
    reporting = kids["reporting-org"][0] if kids["reporting-org"] else None
    default_aid_type = _aid_type(kids["default-aid-type"])
    channel, channel_basis = _channel(
        a, kids, sector_code, collaboration, default_aid_type, transactions, reporting
    )

    budget, currency, budget_basis, budget_totals = _money(
        kids["budget"], transactions, a.get("default-currency")
    )
    dates = _dates(kids["activity-date"])
    status_code = _first_attr(kids["activity-status"], "code")
    partners = [
        _org_name(o, lang)
        for o in kids["participating-org"]
        if (o.get("role") or "").strip().lower() in cl["implementing_roles"]
    ]
    partner = "; ".join(dict.fromkeys(p for p in partners if p)) or None

    public_countries = [_public(c) for c in countries]
    public_regions = [_public(r) for r in regions]
    public_sectors = [_public(s) for s in sectors]
    extra = {
        "iati_version": a.get("version") or file_version,
        "reporting_org": _org_name(reporting, lang) if reporting is not None else None,
        "reporting_org_ref": reporting.get("ref") if reporting is not None else None,
        "reporting_org_type": reporting.get("type") if reporting is not None else None,
        "hierarchy": a.get("hierarchy"),
        "humanitarian": a.get("humanitarian"),
        "collaboration_type": collaboration,
        "channel_basis": channel_basis,
        "default_aid_type": default_aid_type or _first_attr(kids["default-aid-type"], "code"),
        "default_flow_type": _first_attr(kids["default-flow-type"], "code"),
        "activity_status": status_code,
        "recipient_countries": public_countries,
        "recipient_regions": public_regions,
        "sectors": public_sectors,
        "policy_markers": markers,
        "budget_basis": budget_basis,
        "budget_totals": budget_totals,
        "other_description": descriptions.get("other") if general else None,
        "dates": dates,
    }
    extra = {k: v for k, v in extra.items() if v not in (None, [], {}, "")}
    raw = {
        "iati-identifier": identifier,
        "title": title,
        "description": descriptions,
        "recipient-country": public_countries,
        "recipient-region": public_regions,
        "sector": public_sectors,
        "policy-marker": markers,
        "collaboration-type": collaboration,
        "humanitarian": a.get("humanitarian"),
        "budget": budget_totals,
        "activity-date": dates,
        "activity-status": status_code,
        "participating-org (implementing)": partners,
    }
    return {
        "sheet": sheet,
        "row_number": index,
        rules.ROW_LABEL: rules.row_label(ROW_KIND, index, identifier),
        "sheet_channel": None,
        "skip_rule": None,
        "project_id": identifier,
        "title": title,
        "description": description,
        "objectives": objectives,
        "recipient_country": recipient,
        "sector_code": sector_code,
        "partner": partner,
        "budget": budget,
        "currency": currency,
        "start_date": dates.get("start_actual") or dates.get("start_planned"),
        "end_date": dates.get("end_actual") or dates.get("end_planned"),
        # Significance as published: 3 or 4 are not gender marker values, and normalise
        # rejects them (gender_marker.invalid) rather than this reader hiding them.
        "gender_marker": gender,
        "cluster": cluster,
        "status": cl["activity_status"].get(status_code or "") if status_code else None,
        "channel": channel,
        "is_aggregate": False,
        "extra": to_json(extra),
        "raw": to_json(raw),
    }


# --- text and languages -------------------------------------------------------------------


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _lang(code: str | None) -> str | None:
    """`EN`, `en-GB`, `eng` -> `en`: publishers spell languages every way."""
    if not code:
        return None
    return code.strip().lower()[:2] or None


def _clean(text: str | None) -> str:
    """Text without the line wrapping and indentation pretty-printed XML adds.

    Whitespace runs become one space; a blank line (a paragraph break) is kept.
    """
    if not text:
        return ""
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def _variants(elem: Element, default_lang: str | None) -> list[tuple[str | None, str]]:
    """(language, text) of an element: its `<narrative>` children (2.0x) or its own text (1.0x)."""
    own_lang = _lang(elem.get(XML_LANG)) or default_lang
    narratives = [c for c in elem if _local(c.tag) == "narrative"]
    if narratives:
        out = [
            (_lang(n.get(XML_LANG)) or own_lang, _clean("".join(n.itertext()))) for n in narratives
        ]
    else:
        out = [(own_lang, _clean(elem.text))]
    return [(lang, text) for lang, text in out if text]


def _pick_language(variants: list[tuple[str | None, str]], default_lang: str | None) -> str | None:
    """English if there, else the activity's default language, else the first one given."""
    langs = [lang for lang, _ in variants]
    if ENGLISH in langs:
        return ENGLISH
    if default_lang in langs:
        return default_lang
    return langs[0] if langs else None


def _best_text(elems: Iterable[Element], default_lang: str | None) -> str | None:
    """The elements' text in the best language; several elements in it are joined."""
    variants = [v for e in elems for v in _variants(e, default_lang)]
    if not variants:
        return None
    chosen = _pick_language(variants, default_lang)
    texts = [text for lang, text in variants if lang == chosen]
    return "\n\n".join(dict.fromkeys(texts)) or None


def _descriptions(elems: list[Element], default_lang: str | None) -> dict[str, str]:
    """Description text by kind (general, objectives, target_groups, other); no type = general."""
    kinds = {
        code: kind for kind, codes in codelists()["description_type"].items() for code in codes
    }
    by_kind: dict[str, list[Element]] = defaultdict(list)
    for e in elems:
        kind = kinds.get((e.get("type") or "1").strip().lower(), "other")
        by_kind[kind].append(e)
    out = {}
    for kind, group in by_kind.items():
        text = _best_text(group, default_lang)
        if text:
            out[kind] = text
    return out


def _join(*parts: str | None) -> str | None:
    return "\n\n".join(p for p in parts if p) or None


def _first_text(elems: list[Element]) -> str | None:
    for e in elems:
        text = _clean("".join(e.itertext()))
        if text:
            return text
    return None


def _first_attr(elems: list[Element], attr: str) -> str | None:
    for e in elems:
        value = (e.get(attr) or "").strip()
        if value:
            return value
    return None


def _org_name(org: Element, lang: str | None) -> str | None:
    return _best_text([org], lang) or (org.get("ref") or "").strip() or None


# --- codes ----------------------------------------------------------------------------------


def _percentage(elem: Element) -> float | None:
    try:
        return float((elem.get("percentage") or "").strip())
    except ValueError:
        return None


def _share(elem: Element, lang: str | None) -> dict:
    return {
        "code": (elem.get("code") or "").strip(),
        "percentage": _percentage(elem),
        "name": _best_text([elem], lang),
    }


def _public(item: dict) -> dict:
    return {k: v for k, v in item.items() if v not in (None, "")}


@cache
def _alpha3(alpha2: str) -> str | None:
    code = alpha2.strip().upper()
    if code in EXTRA_ALPHA2:
        return EXTRA_ALPHA2[code]
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return country.alpha_3 if country else None


def _recipient(countries: list[dict], regions: list[dict], transactions: list[dict]) -> str | None:
    """The recipient with the largest share: a country (ISO alpha-3), else a DAC region (R-code).

    Ties go to the first listed. When the activity names none, transactions may (2.0x allows
    recipients per transaction): the one with the most money wins.
    """
    if countries:
        top = max(countries, key=lambda c: c["percentage"] or 0)  # max keeps the first of ties
        return _alpha3(top["code"]) or top["code"] or top["name"]
    if regions:
        top = max(regions, key=lambda r: r["percentage"] or 0)
        return f"R{top['code']}" if top["code"] else None
    weights: dict[str, float] = defaultdict(float)
    for t in transactions:
        if t["country"]:
            weights[t["country"]] += abs(t["value"] or 0)
    if weights:
        code = max(weights, key=weights.__getitem__)
        return _alpha3(code) or code
    return None


def _sector(elem: Element, lang: str | None) -> dict:
    cl = codelists()
    vocabulary = (elem.get("vocabulary") or "").strip()
    code = (elem.get("code") or "").strip()
    voc = vocabulary.lower()
    if voc in cl["sector_vocabulary_dac5"] and len(code) == 5 and code.isdigit():
        kind = "dac5"
    elif voc in cl["sector_vocabulary_dac3"] or (
        voc in cl["sector_vocabulary_dac5"] and len(code) == 3
    ):
        kind = "dac3"  # a category, not a purpose code: kept in extra only
    elif voc in cl["sector_vocabulary_clusters"]:
        kind = "cluster"
    else:
        kind = "other"
    return {
        "vocabulary": vocabulary,
        "code": code,
        "percentage": _percentage(elem),
        "name": _best_text([elem], lang),
        "kind": kind,
    }


def _largest(sectors: list[dict]) -> str | None:
    if not sectors:
        return None
    return max(sectors, key=lambda s: s["percentage"] or 0)["code"]


def _weighted(pairs: list[tuple[str, float | None]]) -> str | None:
    weights: dict[str, float] = defaultdict(float)
    for code, value in pairs:
        weights[code] += abs(value or 0)
    return max(weights, key=weights.__getitem__) if weights else None


def _marker(elem: Element) -> dict:
    cl = codelists()
    vocabulary = (elem.get("vocabulary") or "").strip()
    code = (elem.get("code") or "").strip()
    significance = (elem.get("significance") or "").strip()
    # Some 1.0x publishers write the marker code "01" (the CRS column's two digits).
    gender = (
        vocabulary.lower() in cl["policy_marker_vocabulary_dac"]
        and code.lstrip("0") == cl["gender_policy_marker_code"]
    )
    return {"vocabulary": vocabulary, "code": code, "significance": significance, "gender": gender}


def _aid_type(elems: list[Element]) -> str | None:
    """The first DAC aid type code (vocabulary 1 or none) among `default-aid-type`/`aid-type`."""
    vocabularies = codelists()["aid_type_vocabulary_dac"]
    for e in elems:
        code = (e.get("code") or "").strip().upper()
        if code and (e.get("vocabulary") or "").strip() in vocabularies:
            return code
    return None


def _channel(
    a: Element,
    kids: dict[str, list[Element]],
    sector_code: str | None,
    collaboration: str | None,
    default_aid_type: str | None,
    transactions: list[dict],
    reporting: Element | None,
) -> tuple[str | None, str | None]:
    """Our channel and what it rests on (extra["channel_basis"]), the first that applies.

    Humanitarian (the flag, a humanitarian-scope, a 7xxxx purpose code); else the
    collaboration type; else, when that is absent or not a known code, the aid type (the
    activity's default, else the one of its transactions carrying the most money) when the
    aid type fixes the channel (core contributions); else the reporting organisation's type.
    The tables are in crs_iati_codelists.yaml. None when nothing applies: normalise then
    rejects the row with channel.unknown.
    """
    cl = codelists()
    if (a.get("humanitarian") or "").strip().lower() in ("1", "true"):
        return "humanitarian", "humanitarian flag"
    if kids["humanitarian-scope"]:
        return "humanitarian", "humanitarian-scope"
    if is_humanitarian_purpose(sector_code):
        return "humanitarian", f"purpose code {sector_code}"
    channel = channel_of_bi_multi(collaboration)
    if channel:
        return channel, f"collaboration-type {collaboration}"
    unknown = f" (collaboration-type {collaboration} unknown)" if collaboration else ""
    aid_type, where = default_aid_type, "default-aid-type"
    if not aid_type:
        aid_type, where = (
            _weighted([(t["aid_type"], t["value"]) for t in transactions if t["aid_type"]]),
            "transaction aid-type",
        )
    entry = cl["aid_type_channel"].get(aid_type or "")
    if entry:
        return entry["channel"], f"{where} {aid_type}{unknown}"
    org_type = (reporting.get("type") or "").strip() if reporting is not None else ""
    entry = cl["reporting_org_type_channel"].get(org_type)
    if entry:
        return entry["channel"], f"reporting-org type {org_type}{unknown}"
    return None, None


def _transaction(t: Element, lang: str | None, default_currency: str | None) -> dict:
    cl = codelists()
    kind = ""
    value_text, currency = "", default_currency
    sectors, country, aid_types = [], None, []
    for c in t:
        tag = _local(c.tag)
        if tag == "transaction-type":
            kind = (c.get("code") or "").strip()
        elif tag == "aid-type":
            aid_types.append(c)
        elif tag == "value":
            value_text = (c.text or "").strip()
            currency = (c.get("currency") or "").strip() or default_currency
        elif tag == "sector":
            s = _sector(c, lang)
            if s["kind"] == "dac5":
                sectors.append(s["code"])
        elif tag == "recipient-country":
            country = (c.get("code") or "").strip() or None
    value = _number(value_text)
    return {
        "commitment": kind.upper() in cl["commitment_transaction_types"],
        "spending": kind.upper() in cl["spending_transaction_types"],
        "aid_type": _aid_type(aid_types),
        "value": value,
        "value_text": value_text,
        "currency": (currency or "").strip().upper() or None,
        "sectors": sectors,
        "country": country,
    }


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _money(
    budgets: list[Element], transactions: list[dict], default_currency: str | None
) -> tuple[str | None, str | None, str | None, dict]:
    """Budget text, currency, where it came from, and the totals per currency.

    Original budgets summed; else revised ones; else the commitments; else, for an activity
    that publishes only what it spent, its disbursements and expenditure ("disbursements").
    Amounts in more than one currency are not converted or guessed: the budget becomes
    "1000 EUR + 500 USD", which normalise rejects as not a number, with both amounts in the
    message.
    """
    cl = codelists()
    original, revised = [], []
    for b in budgets:
        value_el = next((c for c in b if _local(c.tag) == "value"), None)
        if value_el is None:
            continue
        text = (value_el.text or "").strip()
        currency = (
            (value_el.get("currency") or "").strip() or default_currency or ""
        ).upper() or None
        entry = {"value": _number(text), "value_text": text, "currency": currency}
        kind = (b.get("type") or "").strip().lower()
        if kind in cl["original_budget_types"]:
            original.append(entry)
        elif kind in cl["revised_budget_types"]:
            revised.append(entry)
    commitments = [t for t in transactions if t["commitment"]]
    spending = [t for t in transactions if t["spending"]]
    for source, entries in (
        ("budget-original", original),
        ("budget-revised", revised),
        ("commitments", commitments),
        ("disbursements", spending),
    ):
        if entries:
            return (*_total(entries), source, _totals(entries))
    return None, None, None, {}


def _totals(entries: list[dict]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for e in entries:
        if e["value"] is not None:
            out[e["currency"] or "?"] += e["value"]
    return {k: round(v, 2) for k, v in out.items()}


def _total(entries: list[dict]) -> tuple[str | None, str | None]:
    bad = next((e["value_text"] for e in entries if e["value_text"] and e["value"] is None), None)
    if bad is not None:
        return bad, entries[0]["currency"]
    totals = _totals(entries)
    if not totals:
        return None, None
    if len(totals) == 1:
        ((currency, total),) = totals.items()
        return amount_text(total), None if currency == "?" else currency
    return " + ".join(f"{amount_text(v)} {k}" for k, v in totals.items()), None


def _dates(elems: list[Element]) -> dict[str, str]:
    """Activity dates by kind (start_planned, start_actual, end_planned, end_actual), ISO.

    The date is the `iso-date` attribute (both versions) or, in early 1.0x files, the text
    (`2011-09-30Z`); the first ten characters are the date.
    """
    kinds = {
        code: kind for kind, codes in codelists()["activity_date_type"].items() for code in codes
    }
    out: dict[str, str] = {}
    for e in elems:
        kind = kinds.get((e.get("type") or "").strip().lower())
        value = (e.get("iso-date") or e.text or "").strip()[:10]
        if kind and value and kind not in out:
            out[kind] = value
    return out

"""Loading, checking and versioning the screening rubric (``screening/rubrics/*.yaml``).

The rubric is data: criteria, their sources, weights and evidence lists live in YAML, and this
module only turns them into arrays the matcher can use. Its version is a content hash over the
canonicalised YAML *and* the reference lists it names (the fragile-contexts list), because a new
edition of that list changes results just as a new keyword does, *and* the matching engine's
version (MATCHER_VERSION), because a fix to how text is matched changes results too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from screening import vocabulary
from screening.config import PROJECT_DIR
from screening.errors import ConfigurationError
from screening.textmatch import Matcher

RUBRICS_DIR = Path(__file__).resolve().parent / "rubrics"
DEFAULT_RUBRIC = RUBRICS_DIR / "wps.yaml"

PILLARS: tuple[str, ...] = tuple(vocabulary.PILLARS)  # their one home: screening.vocabulary
TEXT_FIELDS = ("title", "description", "objectives", "indicators", "partner")
FIELDS = (*TEXT_FIELDS, "sector_code", "recipient_country", "channel")
KINDS = ("context", "framing", "pillar", "marker", "counter")
SEVERITIES = ("context", "core", "supporting", "passing", "counter")
LANGUAGES = ("en", "da", "fr", "es")
# The bases of a WPS setting, in the order the codebook records the first that applies.
SETTING_BASES = ("list", "text", "humanitarian")
FRAGILE_COLUMNS = (
    "iso3",
    "name",
    "list",
    "list_name",
    "edition",
    "category",
    "from_year",
    "to_year",
    "verified",
    "source",
)
REQUIRED = (
    "id",
    "label",
    "kind",
    "severity",
    "framework",
    "paragraph",
    "source",
    "weight",
    "message",
)
DEFAULT_TEXT_FIELDS = ("title", "description", "objectives", "indicators")
PARTNER_FIELDS = ("partner", "title", "description", "objectives")


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion: where it comes from, what it feeds, and the evidence that counts."""

    id: str
    label: str
    kind: str
    severity: str
    framework: str
    paragraph: str
    source: str
    weight: float
    message: str
    pillars: tuple[str, ...] = ()
    marker: str | None = None
    fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: tuple[str, ...] = ()
    # Concepts: groups of terms that must all occur in one sentence, whatever words people put
    # between them ("women" ... "mediators"; "sexual violence" ... "prosecution").
    concepts: tuple[tuple[tuple[str, ...], ...], ...] = ()
    lists_suppress_concepts: bool = False  # a beneficiary list around a part voids the concept
    partners: tuple[str, ...] = ()
    purpose_codes: tuple[int, ...] = ()
    fragile_contexts: bool = False
    channels: tuple[str, ...] = ()
    basis: str | None = None  # for context criteria: list, text or humanitarian
    negatable: bool = True
    suppresses: bool = False
    suppressible: bool = True
    makes_relevant: bool = False
    principal_cue: bool = False

    @property
    def direction(self) -> str:
        """Counter-evidence always counts against; other evidence counts for unless negated."""
        return "against" if self.kind == "counter" else "for"

    def render(self, **values: object) -> str:
        return self.message.format_map(_Blank(values))


@dataclass(frozen=True)
class Role:
    """What a sentence says about the project, read from cue phrases in it (codebook rule 3:
    an aim, activity, target or indicator is explicit; a risk, context or passing mention is
    not)."""

    id: str
    bit: int
    label: str
    source: str
    cues: tuple[str, ...]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class TermTable:
    """Every (criterion, term) pair the automaton looks for, as parallel arrays."""

    criterion: np.ndarray  # index into Rubric.criteria; -1 for negation and role cues
    text: list[str]  # the term as written in the rubric (shown as evidence)
    kind: np.ndarray  # 0 evidence, 1 negation cue, 2 role cue, 3 part of a concept
    role_bit: np.ndarray  # for role cues, the bit of their role (Rubric.roles); 0 otherwise
    partner: np.ndarray  # bool: the term is a partner's name
    concept: np.ndarray  # for concept parts, the index in Rubric.concepts; -1 otherwise
    group_bit: np.ndarray  # for concept parts, the bit of their group in the concept
    field_ok: np.ndarray  # bool [term, text field]: may this term count in that field?
    matcher: Matcher
    pattern_ptr: np.ndarray  # CSR: terms of pattern p are order[pattern_ptr[p]:pattern_ptr[p+1]]
    pattern_terms: np.ndarray


@dataclass(frozen=True)
class Vocabulary:
    texts: list[str]
    term_ids: np.ndarray  # term index -> text id
    code_ids: dict[int, int]  # purpose code -> text id
    concept_ids: np.ndarray  # concept index -> text id (its groups' first terms, joined by ...)
    channel_ids: dict[str, int]  # channel -> text id
    fragile_ids: np.ndarray  # row of the fragile-contexts table -> text id


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    path: Path
    title: str
    description: str
    criteria: tuple[Criterion, ...]
    scoring: dict[str, Any]
    negation: dict[str, Any]
    language_cues: dict[str, tuple[str, ...]]
    roles: tuple[Role, ...]
    benchmarks: tuple[dict[str, Any], ...]
    fragile: pd.DataFrame  # iso3, name, list, list_name, edition, category, from_year, to_year, ...
    raw: dict[str, Any]

    @cached_property
    def by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}

    @cached_property
    def terms(self) -> TermTable:
        """The compiled automaton: built once per rubric, reused for every batch."""
        crit: list[int] = []
        text: list[str] = []
        kind: list[int] = []
        fields_ok: list[list[bool]] = []
        bits: list[int] = []  # role cues: the bit of their role
        named: list[bool] = []  # partner names

        def _add(
            criterion: int,
            term: str,
            term_kind: int,
            mask: list[bool],
            bit: int = 0,
            partner: bool = False,
        ) -> None:
            crit.append(criterion)
            text.append(term)
            kind.append(term_kind)
            fields_ok.append(mask)
            bits.append(bit)
            named.append(partner)

        for i, c in enumerate(self.criteria):
            mask = [f in c.fields for f in TEXT_FIELDS]
            words = [t for lang in c.terms.values() for t in lang] + list(c.acronyms)
            for t in words:
                _add(i, t, 0, mask)
            pmask = [f in PARTNER_FIELDS for f in TEXT_FIELDS]
            for t in c.partners:
                _add(i, t, 0, pmask, partner=True)
        everywhere = [True] * len(TEXT_FIELDS)
        for t in sorted({t for lang in self.negation.get("cues", {}).values() for t in lang}):
            _add(-1, t, 1, everywhere)
        for r in self.roles:
            for t in r.cues:
                _add(-1, t, 2, everywhere, bit=r.bit)
        concept = [-1] * len(crit)
        group_bit = [0] * len(crit)
        for k, (ci, groups) in enumerate(self.concepts):
            mask = [f in self.criteria[ci].fields for f in TEXT_FIELDS]
            for g, group in enumerate(groups):
                for t in group:
                    _add(ci, t, 3, mask)
                    concept.append(k)
                    group_bit.append(1 << g)
        matcher = Matcher(text)
        order = np.argsort(matcher.term_pattern, kind="stable")
        counts = np.bincount(matcher.term_pattern, minlength=len(matcher.patterns))
        ptr = np.concatenate([[0], np.cumsum(counts)])
        return TermTable(
            criterion=np.asarray(crit, dtype=np.int64),
            text=text,
            kind=np.asarray(kind, dtype=np.int8),
            role_bit=np.asarray(bits, dtype=np.int64),
            partner=np.asarray(named, dtype=bool),
            concept=np.asarray(concept, dtype=np.int64),
            group_bit=np.asarray(group_bit, dtype=np.int64),
            field_ok=np.asarray(fields_ok, dtype=bool).reshape(-1, len(TEXT_FIELDS)),
            matcher=matcher,
            pattern_ptr=ptr,
            pattern_terms=order,
        )

    @cached_property
    def concepts(self) -> tuple[tuple[int, tuple[tuple[str, ...], ...]], ...]:
        """Every concept of every criterion: (criterion index, its groups of terms)."""
        return tuple((i, groups) for i, c in enumerate(self.criteria) for groups in c.concepts)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """Every text an evidence row can show, numbered: terms, purpose codes, fragile contexts.

        Evidence carries these numbers through the hot path and becomes a categorical column at
        the end, so a million evidence rows never build a million Python strings.
        """
        words: dict[str, int] = {}

        def vid(text: str) -> int:
            return words.setdefault(text, len(words))

        term_ids = np.array([vid(t) for t in self.terms.text], dtype=np.int64)
        concept_ids = np.array(
            [vid(" ... ".join(g[0] for g in groups)) for _, groups in self.concepts], dtype=np.int64
        )
        codes = {code: vid(str(code)) for c in self.criteria for code in c.purpose_codes}
        channels = {ch: vid(f"channel {ch}") for c in self.criteria for ch in c.channels}
        f = self.fragile
        unverified = f["verified"].fillna("no").ne("yes").map({True: ", not verified", False: ""})
        labels = (
            f["iso3"] + " (" + f["category"].fillna("") + ", " + f["list_name"] + unverified + ")"
        )
        fragile = np.array([vid(str(x)) for x in labels], dtype=np.int64)
        return Vocabulary(
            texts=list(words),
            term_ids=term_ids,
            code_ids=codes,
            concept_ids=concept_ids,
            channel_ids=channels,
            fragile_ids=fragile,
        )

    @cached_property
    def setting_bases(self) -> list[str]:
        """Every value ``setting_basis`` can take: ``none``, ``list: <list name>`` per edition
        (as in fragile_contexts.csv), ``text``, ``humanitarian``."""
        lists = [f"list: {x}" for x in dict.fromkeys(self.fragile["list_name"].astype(str))]
        return ["none", *lists, "text", "humanitarian"]

    @cached_property
    def list_basis_codes(self) -> np.ndarray:
        """int [vocabulary text id] -> index in ``setting_bases`` of the fragile-list row that
        text names (0 for texts that are not fragile-list rows)."""
        out = np.zeros(len(self.vocabulary.texts), dtype=np.int64)
        names = [f"list: {x}" for x in self.fragile["list_name"].astype(str)]
        out[self.vocabulary.fragile_ids] = [self.setting_bases.index(x) for x in names]
        return out

    def column(self, attr: str) -> np.ndarray:
        """One attribute of every criterion as an array indexed like ``criteria``."""
        return np.asarray([getattr(c, attr) for c in self.criteria])

    @cached_property
    def role_combinations(self) -> list[str]:
        """The name of every combination of role bits (``aim,activity``; ``none``), by value."""
        return [
            ",".join(r.id for r in self.roles if code & r.bit) or "none"
            for code in range(1 << len(self.roles))
        ]

    def role_bits(self, *ids: str) -> int:
        """The bits of the named sentence roles (0 for roles the rubric does not define)."""
        return sum(r.bit for r in self.roles if r.id in ids)

    @cached_property
    def pillar_matrix(self) -> np.ndarray:
        """float [criterion, pillar]: 1 where the criterion feeds the pillar."""
        m = np.zeros((len(self.criteria), len(PILLARS)))
        for i, c in enumerate(self.criteria):
            for p in c.pillars:
                m[i, PILLARS.index(p)] = 1.0
        return m


def canonical_bytes(data: dict[str, Any]) -> bytes:
    """The YAML's meaning as bytes: key order, comments and layout do not change the version."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# Raise when a change to screen.py or textmatch.py changes any result (a golden test shows it),
# so results screened before and after never share a version.
# 2: a negation cue no longer reaches across a sentence end.
# 3: a phrase no longer runs across a sentence end.
# 4: the fragile-contexts list of the project's years; setting_basis.
MATCHER_VERSION = 4


def compute_version(name: str, data: dict[str, Any], extra: list[bytes]) -> str:
    h = hashlib.sha256(canonical_bytes(data))
    h.update(f"matcher {MATCHER_VERSION}".encode())
    for blob in extra:
        h.update(hashlib.sha256(blob).digest())
    return f"{name}-{h.hexdigest()[:12]}"


def _tuple(value: Any) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def check_criterion(spec: dict[str, Any]) -> list[str]:
    """What is wrong with one criterion spec (empty when it is complete and consistent)."""
    cid = spec.get("id", "<no id>")
    problems = [f"{cid}: missing {k}" for k in REQUIRED if spec.get(k) in (None, "")]
    if spec.get("kind") not in KINDS:
        problems.append(f"{cid}: kind {spec.get('kind')!r} not in {KINDS}")
    if spec.get("severity") not in SEVERITIES:
        problems.append(f"{cid}: severity {spec.get('severity')!r} not in {SEVERITIES}")
    for p in _tuple(spec.get("pillars")):
        if p not in PILLARS:
            problems.append(f"{cid}: pillar {p!r} not in {PILLARS}")
    for f in _tuple(spec.get("fields")):
        if f not in TEXT_FIELDS:
            problems.append(f"{cid}: field {f!r} not in {TEXT_FIELDS}")
    for groups in spec.get("concepts") or []:
        if not isinstance(groups, list) or len(groups) < 2 or not all(groups):
            problems.append(f"{cid}: a concept is a list of at least two groups of terms")
    for lang in spec.get("terms", {}) or {}:
        if lang not in LANGUAGES:
            problems.append(f"{cid}: language {lang!r} not in {LANGUAGES}")
    has_evidence = any(
        spec.get(k)
        for k in (
            "terms",
            "acronyms",
            "concepts",
            "partners",
            "purpose_codes",
            "fragile_contexts",
            "channels",
        )
    )
    if not has_evidence:
        problems.append(
            f"{cid}: no evidence (terms, acronyms, partners, purpose_codes, fragile_contexts, "
            "channels)"
        )
    if spec.get("kind") == "context" and spec.get("basis") not in SETTING_BASES:
        problems.append(f"{cid}: a context criterion's basis must be one of {SETTING_BASES}")
    if spec.get("kind") == "pillar" and not spec.get("pillars"):
        problems.append(f"{cid}: a pillar criterion must name its pillars")
    return problems


def _criterion(spec: dict[str, Any]) -> Criterion:
    terms = {
        lang: tuple(str(t) for t in words) for lang, words in (spec.get("terms") or {}).items()
    }
    kwargs: dict[str, Any] = {k: spec[k] for k in REQUIRED}
    kwargs["weight"] = float(spec["weight"])
    return Criterion(
        **kwargs,
        pillars=_tuple(spec.get("pillars")),
        marker=spec.get("marker"),
        fields=_tuple(spec.get("fields")) or DEFAULT_TEXT_FIELDS,
        terms=terms,
        acronyms=tuple(str(a) for a in _tuple(spec.get("acronyms"))),
        concepts=tuple(
            tuple(tuple(str(t) for t in group) for group in groups)
            for groups in spec.get("concepts") or []
        ),
        lists_suppress_concepts=bool(spec.get("lists_suppress_concepts", False)),
        partners=tuple(str(a) for a in _tuple(spec.get("partners"))),
        purpose_codes=tuple(int(c) for c in _tuple(spec.get("purpose_codes"))),
        fragile_contexts=bool(spec.get("fragile_contexts", False)),
        channels=tuple(str(c) for c in _tuple(spec.get("channels"))),
        basis=spec.get("basis"),
        negatable=bool(spec.get("negatable", spec.get("kind") != "counter")),
        suppresses=bool(spec.get("suppresses", False)),
        suppressible=bool(spec.get("suppressible", spec.get("kind") != "counter")),
        makes_relevant=bool(spec.get("makes_relevant", False)),
        principal_cue=bool(spec.get("principal_cue", False)),
    )


ROLE_IDS = ("main_aim", "aim", "activity", "target", "primary_group", "example", "risk")


def _roles(specs: list[dict[str, Any]], path: str) -> tuple[Role, ...]:
    """The rubric's sentence roles, each a bit; unknown or missing roles are a config error."""
    out = []
    for i, spec in enumerate(specs):
        rid = spec.get("id")
        missing = [k for k in ("id", "label", "source", "cues") if not spec.get(k)]
        if missing or rid not in ROLE_IDS:
            raise ConfigurationError(
                f"rubric {path}: role {rid!r} must be one of {ROLE_IDS} and have {missing}"
            )
        cues = tuple(str(t) for lang in spec["cues"].values() for t in lang)
        out.append(Role(rid, 1 << i, str(spec["label"]), str(spec["source"]), cues))
    return tuple(out)


def read_fragile(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype="string", comment="#")
    missing = set(FRAGILE_COLUMNS) - set(frame.columns)
    if missing:
        raise ConfigurationError(f"{path} lacks columns {sorted(missing)}")
    for col in ("from_year", "to_year"):
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("Int64")
    return frame


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The rubric at ``path`` (default ``screening/rubrics/wps.yaml``), checked and versioned.

    Cached per path and file contents, so a batch job that calls ``screen`` a thousand times
    compiles the automaton once, while an edited rubric is picked up on the next call.
    """
    p = Path(path) if path is not None else DEFAULT_RUBRIC
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read rubric {p}: {exc}") from exc
    return _load(str(p.resolve()), text)


@cache
def _load(path: str, text: str) -> Rubric:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"rubric {path} is not valid YAML: {exc}") from exc
    specs = data.get("criteria") or []
    problems = [msg for spec in specs for msg in check_criterion(spec)]
    ids = [s.get("id") for s in specs]
    problems += [f"duplicate criterion id {i}" for i in {i for i in ids if ids.count(i) > 1}]
    if problems:
        raise ConfigurationError(f"rubric {path}: " + "; ".join(problems))
    ref = data.get("reference", {}).get("fragile_contexts")
    if not ref:
        raise ConfigurationError(f"rubric {path} names no reference.fragile_contexts list")
    fragile_path = PROJECT_DIR / ref
    fragile_bytes = fragile_path.read_bytes()
    name = str(data.get("name", Path(path).stem))
    return Rubric(
        name=name,
        version=compute_version(name, data, [fragile_bytes]),
        path=Path(path),
        title=str(data.get("title", name)),
        description=str(data.get("description", "")),
        criteria=tuple(_criterion(s) for s in specs),
        scoring=data.get("scoring", {}),
        negation=data.get("negation", {}),
        language_cues={k: tuple(v) for k, v in (data.get("language_cues") or {}).items()},
        roles=_roles(data.get("roles") or [], path),
        benchmarks=tuple(data.get("benchmarks") or ()),
        fragile=read_fragile(fragile_path),
        raw=data,
    )


def resolve_rubric(rubric: Rubric | str | Path | None) -> Rubric:
    """A loaded rubric as it is, else the rubric at that path (None: the default)."""
    return rubric if isinstance(rubric, Rubric) else load_rubric(rubric)

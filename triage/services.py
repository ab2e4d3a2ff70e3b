"""Triage services: read a petition at registration, confirm or correct the suggestion,
similar petitions, search, rules testing, re-indexing.

``similar_petitions(petition, *, limit)`` is a stable entry point (the engagement case
library reuses it)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, NotAllowed
from orgs.choices import Role
from orgs.models import User
from petitions.choices import Category, Flag, PetitionType, RiskLevel, State
from petitions.models import Petition
from petitions.notify import notify_user
from petitions.rules import DESK_ROLES, conflict_of_interest
from tongxin.lib.periods import SHANGHAI
from tongxin.lib.zhtext.default_rules import CADRE_TITLES
from tongxin.lib.zhtext.matter import conflicts, same_matter, similarity
from tongxin.lib.zhtext.normalize import normalize
from tongxin.lib.zhtext.rules import LEVELS, Facts, Rule, Screening, cadre_mentions, screen
from tongxin.lib.zhtext.shingles import estimate, signature_from_bytes
from triage import index, risk_model
from triage import model as triage_model
from triage.models import Feedback, MatterGroup, ModelArtifact, RiskRule, SensitivePeriod, Triage, TriageDoc

log = logging.getLogger(__name__)
GROUP_WINDOW_DAYS = 90  # the same matter from different people within this window is one collective matter
RANK = {level: i for i, level in enumerate(LEVELS)}


# --- the engine: model and rules, cached per version ---------------------------------------

_model_cache: dict[str, triage_model.TriageModel] = {}
_rules_cache: dict[tuple, list[Rule]] = {}


def artifact_dir() -> Path:
    return Path(getattr(settings, "TRIAGE_ARTIFACT_DIR", Path(settings.BASE_DIR) / "var" / "triage"))


def current_model() -> triage_model.TriageModel:
    """The active registered model, else the seed model shipped in triage/artifacts/. A
    registered artifact that is missing or altered raises (the failure is recorded)."""
    row = ModelArtifact.objects.filter(active=True).first()
    key = row.version if row else "shipped"
    cached = _model_cache.get(key)
    if cached is None:
        if row is None:
            cached = triage_model.load(triage_model.SHIPPED)
        else:
            path = Path(row.path)
            if not path.is_absolute():
                path = Path(settings.BASE_DIR) / path
            cached = triage_model.load(path, row.sha256)
        _model_cache.clear()
        _model_cache[key] = cached
    return cached


_risk_cache: dict[str, risk_model.RiskModel] = {}


def current_risk_model() -> risk_model.RiskModel:
    """The learned second opinion on high risk (the shipped artifact, SHA-256 checked), loaded once per process."""
    cached = _risk_cache.get("shipped")
    if cached is None:
        cached = _risk_cache["shipped"] = risk_model.load(risk_model.SHIPPED)
    return cached


def risk_model_threshold(model: risk_model.RiskModel) -> float | None:
    """Setting TRIAGE_RISK_MODEL_THRESHOLD: empty = the artifact's cross-validated threshold,
    "off" = rules only, a number in (0, 1] = that threshold."""
    raw = getattr(settings, "TRIAGE_RISK_MODEL_THRESHOLD", "")
    raw = "" if raw is None else str(raw).strip().lower()
    if raw == "":
        return model.threshold
    if raw in ("off", "false", "no", "none"):
        return None
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError(f"TRIAGE_RISK_MODEL_THRESHOLD must be in (0, 1] or 'off', not {raw!r}")
    return value


def current_rules() -> list[Rule]:
    stamp = RiskRule.objects.filter(enabled=True).aggregate(m=Max("updated_at"))["m"]
    count = RiskRule.objects.filter(enabled=True).count()
    key = (stamp, count)
    rules = _rules_cache.get(key)
    if rules is None:
        rules = [Rule.from_data(r.as_data()) for r in RiskRule.objects.filter(enabled=True)]
        _rules_cache.clear()
        _rules_cache[key] = rules
    return rules


def sensitive_period(day: date) -> str:
    period = SensitivePeriod.objects.filter(start__lte=day, end__gte=day).order_by("start").first()
    return period.name if period else ""


# --- reading one text -------------------------------------------------------------------------


@dataclass
class Analysis:
    norm: str
    category: str
    category_confidence: float
    ptype: str
    ptype_confidence: float
    alternatives: dict
    screening: Screening
    model_version: str
    mentions: list[dict] = field(default_factory=list)

    @property
    def litigation(self) -> bool:
        return Flag.LITIGATION in self.screening.flags

    @property
    def identity_sensitive(self) -> bool:
        return Flag.IDENTITY_SENSITIVE in self.screening.flags


def analyse_text(text: str, *, facts: Facts | None = None, rules: list[Rule] | None = None,
                 model: triage_model.TriageModel | None = None, names: list[str] = ()) -> Analysis:
    """Suggestion and screening of a text (no writes)."""
    model = model or current_model()
    rules = current_rules() if rules is None else rules
    norm = normalize(text)
    pred = model.predict(text)
    s = screen(norm, rules, facts or Facts())
    # The learned second opinion only raises what the rules left below high (rules stay first).
    if s.level != "high":
        risk = current_risk_model()
        threshold = risk_model_threshold(risk)
        if threshold is not None:
            risk_model.second_opinion(s, norm, risk, threshold)
    mentions = cadre_mentions(norm, CADRE_TITLES, names) if (Flag.IDENTITY_SENSITIVE in s.flags or names) else []
    named = [m for m in mentions if m["name"]]
    if named and Flag.IDENTITY_SENSITIVE not in s.flags and _accusing(norm):
        s.flags.append(Flag.IDENTITY_SENSITIVE)
        s.reasons.append({"level": "low", "flag": Flag.IDENTITY_SENSITIVE, "why": "检举控告具名人员",
                          "phrase": named[0]["phrase"]})
    cat, typ = pred["category"], pred.get("ptype")
    return Analysis(
        norm=norm, category=cat.label, category_confidence=round(cat.confidence, 3),
        ptype=typ.label if typ else "", ptype_confidence=round(typ.confidence, 3) if typ else 0.0,
        alternatives={k: [[label, round(p, 3)] for label, p in v.ranked] for k, v in pred.items()},
        screening=s, model_version=model.version, mentions=mentions,
    )


_ACCUSING = ("贪污", "受贿", "收钱", "红包", "回扣", "克扣", "截留", "挪用", "打击报复", "以权谋私", "吃空饷", "虚报",
             "冒领", "包庇", "殴打", "辱骂", "索要", "私分", "侵吞", "套取", "违规")


def _accusing(norm: str) -> bool:
    return any(word in norm for word in _ACCUSING)


# --- triage of a petition -------------------------------------------------------------------


def _identity_key(petition: Petition) -> str:
    if petition.is_anonymous:
        return ""
    if petition.petitioner_id:
        return index.person_key(petition.petitioner_id)
    try:
        row = petition.identity
    except Petition.identity.RelatedObjectDoesNotExist:
        return ""
    from petitions.identity import unseal

    ident = unseal(row)
    return index.person_key(None, ident.name, ident.phone, ident.id_number)


def _cadres_near(petition: Petition) -> list[User]:
    """People with a post in the petition's unit line (its ancestors and its subtree) — the
    superiors and cadres a petitioner might name."""
    units = list(petition.unit.ancestors()) + [petition.unit]
    from orgs.models import Unit, subtree_q

    scope = Unit.objects.filter(Q(pk__in=[u.pk for u in units]) | subtree_q([petition.unit]))
    posts = [r for r in Role.values if r != Role.EMPLOYEE]
    return list(User.objects.filter(roles__unit__in=scope, roles__role__in=posts, is_active=True).distinct()[:2000])


def _find_repeat(petition: Petition, key: str, data: index.DocData) -> tuple[Petition | None, float, int]:
    """The earliest earlier petition of the same person on the same matter, its score, and how
    many such earlier petitions there are."""
    if not key:
        return None, 0.0, 0
    mine = index.own_profile(data)
    earlier = (TriageDoc.objects.filter(person_key=key, received_at__lte=petition.received_at)
               .exclude(petition_id=petition.pk).order_by("received_at").values_list("petition_id", "profile")[:200])
    # A contradicting fact (another mine, month, sum) rules a candidate out before its bigrams are read.
    left = [(pid, stored) for pid, stored in earlier if not conflicts(mine, index.stored_profile(stored))]
    grams = dict(TriageDoc.objects.filter(pk__in=[pid for pid, _ in left]).values_list("petition_id", "grams")) if left else {}
    hits = []
    for pid, stored in left:
        ok, score, _clash = same_matter(mine, index.stored_profile(stored, grams.get(pid, "")))
        if ok:
            hits.append((pid, score))
    if not hits:
        return None, 0.0, 0
    first = Petition.objects.get(pk=hits[0][0])
    return first, hits[0][1], len(hits)


def _find_group(petition: Petition, key: str, data: index.DocData) -> MatterGroup | None:
    """The same matter raised by other people recently: join (or open) their group."""
    since = petition.received_at - timedelta(days=GROUP_WINDOW_DAYS)
    mine = index.own_profile(data)
    candidates = [pid for pid, _shared in index.band_candidates(data.keys, exclude=petition.pk, limit=20)]
    # One query for every candidate (most shared bands first), not one per candidate.
    docs = {pid: (profile, grams) for pid, profile, grams in
            TriageDoc.objects.filter(pk__in=candidates, received_at__gte=since).exclude(person_key=key, person_key__gt="")
            .values_list("petition_id", "profile", "grams")} if candidates else {}
    for pid in candidates:
        doc = docs.get(pid)
        if doc is None:
            continue
        ok, _score, _clash = same_matter(mine, index.stored_profile(*doc))
        if not ok:
            continue
        existing = Triage.objects.filter(petition_id=pid).values_list("group_id", flat=True).first()
        if existing:
            return MatterGroup.objects.get(pk=existing)
        group = MatterGroup.objects.create(first_id=pid)
        Triage.objects.filter(petition_id=pid).update(group=group)
        return group
    return None


@transaction.atomic
def triage_petition(petition: Petition, *, notify: bool = True) -> Triage:
    """Read a registered petition: suggestion, screening, repeat and same-matter links, index.
    Raises the petition's risk and adds flags (never lowers them); high risk notifies the
    leaders of the receiving unit at once."""
    started = time.perf_counter()
    petition = Petition.objects.select_related("unit").get(pk=petition.pk)
    key = _identity_key(petition)
    data = index.doc_data(petition.title, petition.content)
    repeat_of, repeat_score, prior = _find_repeat(petition, key, data)
    when = petition.received_at.astimezone(SHANGHAI).date()
    facts = Facts(people_count=petition.people_count, prior_same_matter=prior, sensitive_period=sensitive_period(when))
    text = f"{petition.title}。{petition.content}"
    # The people of the unit line are read only for a text that accuses someone.
    cadres = _cadres_near(petition) if _accusing(normalize(text)) else []
    analysis = analyse_text(text, facts=facts, names=[u.name for u in cadres])
    s = analysis.screening
    index.store(petition, data, key)
    group = _find_group(petition, key, data)
    if repeat_of is not None and repeat_of.state == State.FINAL:
        s.reasons.append({"level": "low", "flag": Flag.REPEAT, "why": "原事项已复核终结：同一事实和理由不再受理（第三十六条第三款）",
                          "phrase": repeat_of.number})
    named = {m["name"] for m in analysis.mentions if m["name"]}
    accused = [u for u in cadres if u.name in named and u.pk != petition.petitioner_id]
    values = {
        "status": Triage.Status.OK, "error": "", "model_version": analysis.model_version,
        "category": analysis.category, "category_confidence": analysis.category_confidence,
        "ptype": analysis.ptype, "ptype_confidence": analysis.ptype_confidence, "alternatives": analysis.alternatives,
        "risk_level": s.level, "reasons": s.reasons, "flags": sorted(s.flags), "repeat_of": repeat_of,
        "repeat_score": round(repeat_score, 3), "prior_count": prior, "group": group,
        "litigation": analysis.litigation, "identity_sensitive": analysis.identity_sensitive,
        "mentions": analysis.mentions[:10],
    }
    values["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
    triage, _created = Triage.objects.update_or_create(petition=petition, defaults=values)
    _apply(petition, s, accused if analysis.identity_sensitive else [], notify=notify)
    return triage


def _apply(petition: Petition, s: Screening, accused: list[User], *, notify: bool) -> None:
    """Raise the petition's risk and flags; record the named cadre as the accused (so the
    accused-exclusion rules of visible_to and conflict_of_interest keep it from them)."""
    before = (petition.risk_level, list(petition.flags or []), petition.accused_user_id)
    flags = sorted(set(petition.flags or []) | set(s.flags))
    level = s.level if RANK[s.level] > RANK.get(petition.risk_level, 0) else petition.risk_level
    updates = {"risk_level": level, "flags": flags}
    if len(accused) == 1 and petition.accused_user_id is None:
        updates["accused_user"] = accused[0]
        if petition.accused_unit_id is None and accused[0].home_unit_id:
            updates["accused_unit_id"] = accused[0].home_unit_id
    if level == before[0] and flags == sorted(before[1]) and "accused_user" not in updates:
        return
    Petition.objects.filter(pk=petition.pk).update(**updates)
    for name, value in updates.items():
        setattr(petition, name, value)
    audit_record(actor=None, action="triage.screened", target=petition, data={
        "risk": level, "flags": flags, "reasons": [r["why"] for r in s.reasons][:10],
        "accused_user": petition.accused_user_id if "accused_user" in updates else None,
    })
    if notify and level == RiskLevel.HIGH and before[0] != RiskLevel.HIGH:
        why = "；".join(f"{r['why']}（{r['phrase']}）" if r["phrase"] else r["why"] for r in s.reasons if r["level"] == "high")
        for leader in unit_leaders(petition):
            notify_user(leader, petition, f"高风险信访{petition.number}：{why}"[:300])


def unit_leaders(petition: Petition) -> list[User]:
    """Leaders of the receiving unit (and of its parent, if it has none), never the accused."""
    for unit in [petition.unit, petition.unit.parent]:
        if unit is None:
            continue
        leaders = [u for u in User.objects.filter(roles__role=Role.UNIT_LEADER, roles__unit=unit, is_active=True).distinct()
                   if u.pk != petition.accused_user_id and conflict_of_interest(u, petition) is None]
        if leaders:
            return leaders
    return []


def triage_after_registration(petition: Petition) -> Triage | None:
    """The intake's call: triage in a savepoint. A failure never fails the intake; it is
    recorded as a failed Triage row (shown on the petition page and the triage home, where it
    can be retried) and logged."""
    try:
        with transaction.atomic():
            return triage_petition(petition)
    except Exception as exc:
        log.exception("triage failed for petition %s", petition.pk)
        with transaction.atomic():
            row, _ = Triage.objects.update_or_create(
                petition=petition, defaults={"status": Triage.Status.FAILED, "error": f"{type(exc).__name__}: {exc}"[:2000]})
        return row


# --- officers' confirmation and correction ---------------------------------------------------


def may_decide(user: User, petition: Petition) -> bool:
    if not user.is_authenticated or conflict_of_interest(user, petition) is not None:
        return False
    return user.is_superuser or any(user.has_role(r, petition.unit) for r in DESK_ROLES)


@transaction.atomic
def triage_confirm(*, triage: Triage, user: User, category: str = "", ptype: str = "") -> Feedback:
    """Confirm the suggestion (no category/ptype given) or correct it. The petition takes the
    confirmed classification; the feedback row is training data for the next model."""
    petition = Petition.objects.select_for_update().get(pk=triage.petition_id)
    if not may_decide(user, petition):
        raise NotAllowed("not_allowed", "只有受理单位的信访工作人员可以确认研判结果")
    if triage.status != Triage.Status.OK:
        raise InvalidInput("triage_failed", "研判失败的事项没有可确认的建议，请先重新研判")
    action = Feedback.Action.CONFIRM if not (category or ptype) else Feedback.Action.CORRECT
    category = category or triage.category
    ptype = ptype or triage.ptype or petition.ptype
    if category not in Category.values or ptype not in PetitionType.values:
        raise InvalidInput("invalid_choice", "请选择有效的分类和性质")
    if action == Feedback.Action.CORRECT and category == triage.category and ptype == triage.ptype:
        action = Feedback.Action.CONFIRM
    fb = Feedback.objects.create(petition=petition, user=user, action=action, suggested_category=triage.category,
                                 suggested_ptype=triage.ptype, category=category, ptype=ptype,
                                 model_version=triage.model_version)
    before = {"category": petition.category, "ptype": petition.ptype}
    Petition.objects.filter(pk=petition.pk).update(category=category, ptype=ptype)
    Triage.objects.filter(pk=triage.pk).update(decided=True)
    audit_record(actor=user, action=f"triage.{action}", target=petition,
                 data={"before": before, "after": {"category": category, "ptype": ptype}, "model": triage.model_version})
    return fb


@transaction.atomic
def triage_retry(*, petition: Petition, user: User) -> Triage:
    if not may_decide(user, petition):
        raise NotAllowed("not_allowed", "只有受理单位的信访工作人员可以重新研判")
    row = triage_petition(petition)
    audit_record(actor=user, action="triage.retried", target=petition, data={"status": row.status})
    return row


# --- similar petitions and search ----------------------------------------------------------


@dataclass
class SimilarCase:
    petition: Petition
    score: float

    @property
    def state(self) -> str:
        return self.petition.state

    @property
    def outcome(self) -> str:
        return self.petition.reply_outcome


def similar_petitions(petition: Petition, *, limit: int = 5, among: QuerySet[Petition] | None = None) -> list[SimilarCase]:
    """The petitions most similar to ``petition`` (LSH candidates ranked by content
    similarity), best first, excluding itself. ``among`` restricts the result (pass
    ``visible_to(user)`` for a person, or a case library's queryset). Stable signature."""
    doc = TriageDoc.objects.filter(pk=petition.pk).first()
    if doc is None:
        return []
    sig = signature_from_bytes(doc.signature)
    from tongxin.lib.zhtext.shingles import band_keys

    candidates = index.band_candidates(band_keys(sig), exclude=petition.pk, limit=max(limit * 8, 40))
    if not candidates:
        return []
    ids = [pid for pid, _ in candidates]
    qs = (among if among is not None else Petition.objects.all()).filter(pk__in=ids)
    rows = {p.pk: p for p in qs.select_related("unit")}
    docs = {d.pk: d for d in TriageDoc.objects.filter(pk__in=list(rows))}
    mine = index.stored_profile(doc.profile, doc.grams)
    scored = []
    for pid, p in rows.items():
        d = docs.get(pid)
        if d is None:
            continue
        other = index.stored_profile(d.profile, d.grams)
        score = 0.5 * similarity(mine, other) + 0.5 * estimate(sig, signature_from_bytes(d.signature))
        scored.append(SimilarCase(p, round(score, 3)))
    scored.sort(key=lambda c: (-c.score, -c.petition.pk))
    return scored[:limit]


LIBRARY_MIN_SCORE = 0.12
LIBRARY_CANDIDATES = 300


@dataclass
class LibraryMatch:
    """A published case of the case library (engagement) like a petition, with how it was resolved."""

    case: object  # engagement.models.LibraryCase
    score: float
    sister: bool  # shared by a sister unit (not from the viewer's own unit line)

    @property
    def handling(self) -> str:
        return self.case.handling


def similar_library_cases(petition: Petition, user: User, *, limit: int = 3) -> list[LibraryMatch]:
    """The published (approved) case-library cases ``user`` may read — the own line's and those
    sister units shared with the user's units (engagement.scoping.cases_visible_to) — most like
    ``petition``, best first. Drafts and cases under review are never shown; nor the case made
    from this very petition. Candidates: cases whose source petition is an LSH neighbour, plus
    the latest approved cases of the petition's category; scored on the de-identified text the
    reader sees (half matter-profile similarity, half MinHash estimate)."""
    from engagement.choices import CaseState
    from engagement.scoping import cases_visible_to
    from tongxin.lib.zhtext.shingles import band_keys

    readable = cases_visible_to(user).filter(state=CaseState.APPROVED).exclude(source_id=petition.pk)
    mine = index.doc_data(petition.title, petition.content)
    mine_sig = signature_from_bytes(mine.signature)
    neighbours = [pid for pid, _ in index.band_candidates(band_keys(mine_sig), exclude=petition.pk,
                                                           limit=LIBRARY_CANDIDATES)]
    ids = set(readable.filter(source_id__in=neighbours).values_list("pk", flat=True)) if neighbours else set()
    ids |= set(readable.filter(category=petition.category).order_by("-created_at")
               .values_list("pk", flat=True)[:LIBRARY_CANDIDATES])
    if not ids:
        return []
    from engagement.models import LibraryCase
    from engagement.scoping import ANSWER_ROLES

    own_units = user.units_with(*ANSWER_ROLES)
    scored = []
    for case in LibraryCase.objects.filter(pk__in=ids).select_related("unit", "source"):
        other = index.doc_data(case.title, case.summary)
        score = 0.5 * similarity(mine.profile, other.profile) + 0.5 * estimate(
            mine_sig, signature_from_bytes(other.signature))
        if score >= LIBRARY_MIN_SCORE:
            sister = not any(case.unit.is_within(u) for u in own_units)
            scored.append(LibraryMatch(case, round(score, 3), sister))
    scored.sort(key=lambda m: (-m.score, -m.case.pk))
    return scored[:limit]


def search(user: User, term: str, *, category: str = "", state: str = "", risk: str = "", unit=None,
           since: datetime | None = None, until: datetime | None = None) -> QuerySet[Petition]:
    """Petitions this user may see whose text contains every term, newest first."""
    from petitions.selectors import visible_to

    ids = index.matching_ids(term)
    if ids is None:
        return visible_to(user).none()
    return _filtered(user, category=category, state=state, risk=risk, unit=unit, since=since,
                     until=until).filter(pk__in=ids)


# Search pages intersect two id streams, both newest first: the index's matches and the petitions
# the user may see. The index side is walked in growing chunks and the scope only answers "which
# of these ids?" (reading a match in order costs well under a microsecond). When few walked
# matches are kept, the scope is narrow: its ids are read once (at most SCOPE_SET_MAX, no order)
# and then either looked up in the index newest first — when the term is so common that walking
# its matches would take longer: a look-up costs about LOOKUP_COST walked matches — or kept as a
# set the walk is checked against in memory. After WALK_BUDGET walked ids without a full page the
# plain query finishes it, so no request costs more than the walk plus the plain query.
# PostgreSQL's walk reads rows of ids where SQLite's reads matches. After its first chunk it
# prices three ways on (µs): walking on (PG_ROW_COST per row), reading a scope of under
# PG_NARROW_SHARE (at most PG_SCOPE_SET_MAX ids, PG_SCOPE_ROW_COST each) and looking its ids up
# newest first, or reading every remaining match from the GIN index (PG_MATCH_COST each, at most
# PG_MATCHES_CAP, else the plain query) and checking the scope newest first — and takes the
# cheapest. The costs were measured on the 1M-petition benchmark (docs/performance.md).
WALK_FIRST, WALK_MAX_CHUNK, WALK_BUDGET = 64, 4096, 20_000
NARROW_AFTER, NARROW_SHARE, SCOPE_SET_MAX, LOOKUP_COST = 1_000, 0.02, 20_000, 25
PG_NARROW_SHARE, PG_SCOPE_SET_MAX, PG_MATCHES_CAP = 0.25, 50_000, 50_000
PG_ROW_COST, PG_SCOPE_ROW_COST, PG_MATCH_COST = 1.6, 3.5, 3.0
# On PostgreSQL a scope the planner estimates at most PG_SCOPE_ESTIMATE_MAX petitions is searched
# by its units in the (unit, search) index instead (_search_by_units); at most CANDIDATES_MAX
# matches there and petitions beyond the units.
PG_SCOPE_ESTIMATE_MAX, CANDIDATES_MAX = 60_000, 20_000
# SQLite's FTS5 hands out matches in id order, so its walk needs no units index (the tests run
# the search by units on SQLite too).
UNITS_SEARCH_VENDORS = frozenset({"postgresql"})


def search_page(user: User, term: str, *, offset: int = 0, limit: int = 25, **filters) -> list[Petition]:
    """One page of ``search()``, the same rows in the same order. Neither a common two-character
    term (hundreds of thousands of matches) nor a narrow scope makes the request materialise the
    other side before the newest rows are taken (on SQLite and on PostgreSQL)."""
    expr = index.match_expression(term)
    if not expr:
        return []
    scoped = _filtered(user, **filters)
    want = offset + limit
    found = _search_by_units(expr, user, scoped, want) if connection.vendor in UNITS_SEARCH_VENDORS else None
    if found is None:
        found = _walk_matches(expr, scoped, want)
    if found is None:  # over its budget: the plain query answers
        return list(search(user, term, **filters)[offset : offset + limit])
    page = found[offset:want]
    return list(scoped.filter(pk__in=page)) if page else []


def _walk_matches(expr: str, scoped: QuerySet[Petition], want: int) -> list[int] | None:
    """The first ``want`` ids of the intersection, newest first (fewer when it is smaller), or
    None when the walk ran over its budget."""

    def in_scope(ids: list[int]) -> list[int]:
        return list(scoped.filter(pk__in=_given(ids)).values_list("pk", flat=True))

    def newest_first(ids: list[int], check) -> list[int]:
        """Apply ``check`` to chunks of ``ids`` (newest first) until the page is full."""
        out, chunk = [], WALK_FIRST
        while ids and len(found) + len(out) < want:
            out += check(ids[:chunk])
            ids, chunk = ids[chunk:], min(chunk * 4, WALK_MAX_CHUNK)
        return out

    pg = connection.vendor == "postgresql"
    keep = in_scope
    found: list[int] = []
    below, top, size, walked, narrowed = None, None, WALK_FIRST, 0, False
    while len(found) < want:
        if walked >= WALK_BUDGET:
            return None
        ids = index.newest_matches(expr, below=below, limit=size)
        walked += len(ids)
        if ids:
            found += keep(ids)
            top = ids[0] if top is None else top
            below = ids[-1]
        if len(ids) < size:
            return found  # every match walked
        size = min(size * 4, WALK_MAX_CHUNK)
        density = walked / max(1, top - below + 1)  # ≈ the term's share of the ids below
        share = max(len(found), 1) / walked  # ≈ the scope's share of the petitions
        if pg and not narrowed:
            # Sixty-four matches say little about a narrow scope's share: the planner's estimate
            # of the scope's size (EXPLAIN, no execution) is steadier.
            share = min(1.0, _planned_rows(scoped) / max(1, top))
            # Three ways on, each priced in µs: walk on, read the scope and look its ids up, or
            # read every remaining match from the GIN index and check the scope.
            narrowed = True
            walk_on = (want - len(found)) / max(density * share, 1e-9) * PG_ROW_COST
            read_scope = share * top * PG_SCOPE_ROW_COST if share < PG_NARROW_SHARE else float("inf")
            read_matches = density * below * PG_MATCH_COST
            if walk_on <= min(read_scope, read_matches):
                continue
            if read_scope <= read_matches:
                visible = list(scoped.order_by().values_list("pk", flat=True)[: PG_SCOPE_SET_MAX + 1])
                if len(visible) <= PG_SCOPE_SET_MAX:
                    left = sorted((pk for pk in visible if pk < below), reverse=True)
                    return found + newest_first(left, partial(index.matches_among, expr))
            rest = index.all_matches_below(expr, below, cap=PG_MATCHES_CAP)
            return None if rest is None else found + newest_first(rest, in_scope)
        if pg or narrowed or walked < NARROW_AFTER or len(found) >= walked * NARROW_SHARE:
            continue
        narrowed = True
        visible = list(scoped.order_by().values_list("pk", flat=True)[: SCOPE_SET_MAX + 1])
        if len(visible) > SCOPE_SET_MAX:
            continue
        left = sorted((pk for pk in visible if pk < below), reverse=True)
        if len(left) * LOOKUP_COST < density * below:
            return found + newest_first(left, partial(index.matches_among, expr))
        keep = partial(_kept, frozenset(visible))
    return found


def _search_by_units(expr: str, user: User, scoped: QuerySet[Petition], want: int) -> list[int] | None:
    """A scope the planner estimates at most PG_SCOPE_ESTIMATE_MAX petitions (everyone but the
    group's and companies' desks): the first ``want`` ids of the intersection, newest first. The
    matches among the scope's units' own petitions come from the search index by unit; the rest
    of the scope (petitions handled in its units, the user's own, reviewed ones…: few) is read from
    indexes alone and looked up. Every match kept is checked against ``scoped`` (withheld
    petitions, filters). None: no such scope, or more than CANDIDATES_MAX of either kind — the
    match walk answers."""
    from petitions.selectors import beyond_units_ids, scope_of

    scope = scope_of(user) if user.is_authenticated else None
    if scope is None:
        return None
    if connection.vendor == "postgresql" and _planned_rows(scoped) > PG_SCOPE_ESTIMATE_MAX:
        return None  # EXPLAIN only: a broad scope is walked instead
    own = index.unit_matches(expr, scope.units, cap=CANDIDATES_MAX)
    if own is None:
        return None
    rest = beyond_units_ids(scope, cap=CANDIDATES_MAX)
    if rest is None:
        return None
    matches = sorted(set(own).union(index.matches_among(expr, rest) if rest else ()), reverse=True)
    found: list[int] = []
    chunk = WALK_FIRST
    while matches and len(found) < want:
        found += scoped.filter(pk__in=_given(matches[:chunk])).values_list("pk", flat=True)
        matches, chunk = matches[chunk:], min(chunk * 4, WALK_MAX_CHUNK)
    return found[:want]


def _given(ids: list[int]) -> RawSQL:
    """The ids as one parameter (a JSON text on SQLite, an array on PostgreSQL): Django spends
    longer preparing thousands of IN parameters than the database spends on the look-ups."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _planned_rows(qs: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows a query returns (EXPLAIN only: nothing is run)."""
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    return index.planned_rows(sql, params)


def _kept(allowed: frozenset[int], ids: list[int]) -> list[int]:
    return [pk for pk in ids if pk in allowed]


def _filtered(user: User, *, category: str = "", state: str = "", risk: str = "", unit=None,
              since: datetime | None = None, until: datetime | None = None) -> QuerySet[Petition]:
    from orgs.models import subtree_q
    from petitions.selectors import visible_to

    qs = visible_to(user)
    if category:
        qs = qs.filter(category=category)
    if state:
        qs = qs.filter(state=state)
    if risk:
        qs = qs.filter(risk_level=risk)
    if unit is not None:
        qs = qs.filter(subtree_q([unit], "unit__"))
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lt=until)
    return qs.select_related("unit").order_by("-pk")


# --- rules administration -----------------------------------------------------------------


def may_admin_rules(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def rules_test(text: str, *, people_count: int = 1, prior: int = 0, day: date | None = None) -> Analysis:
    day = day or timezone.localdate()
    return analyse_text(text, facts=Facts(people_count=people_count, prior_same_matter=prior,
                                          sensitive_period=sensitive_period(day)))


@transaction.atomic
def rule_save(*, user: User, rule: RiskRule) -> RiskRule:
    if not may_admin_rules(user):
        raise NotAllowed("not_allowed", "只有系统管理员可以修改风险规则")
    rule.full_clean()
    rule.save()
    audit_record(actor=user, action="triage.rule.saved", target=rule, data=rule.as_data())
    return rule


@transaction.atomic
def period_save(*, user: User, period: SensitivePeriod) -> SensitivePeriod:
    if not may_admin_rules(user):
        raise NotAllowed("not_allowed", "只有系统管理员可以设置敏感时期")
    period.full_clean()
    period.save()
    audit_record(actor=user, action="triage.period.saved", target=period,
                 data={"name": period.name, "start": period.start.isoformat(), "end": period.end.isoformat()})
    return period


def load_default_rules() -> int:
    """Create the default rules that are missing (by code); existing rules are left as edited."""
    from tongxin.lib.zhtext.default_rules import DEFAULT_RULES

    made = 0
    for data in DEFAULT_RULES:
        _rule, created = RiskRule.objects.get_or_create(code=data["code"], defaults={
            "label": data["label"], "kind": data.get("kind", "risk"), "flag": data.get("flag", ""),
            "level": data.get("level", "low"), "patterns": data["patterns"], "exclude": data.get("exclude", []),
            "negatable": data.get("negatable", True), "min_number": data.get("min_number")})
        made += created
    return made


def failures(user: User) -> QuerySet[Triage]:
    from petitions.selectors import visible_to

    return Triage.objects.filter(status=Triage.Status.FAILED, petition__in=visible_to(user)).select_related("petition")

"""Case library (典型案例库): a closed petition becomes a teaching case through de-identification
that a reviewer approves; approved cases are shared to sister units by explicit permission; a
petition's page suggests similar cases the viewer may read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement import deid
from engagement.choices import CaseState, Lesson
from engagement.models import CaseShare, LibraryCase
from engagement.scoping import ANSWER_ROLES, REVIEW_ROLES, cases_visible_to, holds
from orgs.models import Unit, User
from petitions.choices import State
from petitions.identity import unseal
from petitions.models import Petition
from petitions.notify import notify_user
from petitions.selectors import visible_to
from tongxin.lib.textsim import bigrams

# A petition may become a case once nothing is pending on it any more.
CLOSED_STATES = frozenset({State.CLOSED, State.FINAL})
SUGGEST_MIN_SCORE = 0.08
SAME_CATEGORY_BONUS = 0.15
SUGGEST_CANDIDATES = 2000


def _lock(case: LibraryCase) -> LibraryCase:
    return LibraryCase.objects.select_for_update().get(pk=case.pk)


def _names_and_places(petition: Petition) -> tuple[list[str], list[str]]:
    """Everything the petition's text may identify someone by: the petitioner's sealed identity,
    the staff on it, the accused, the people of the unit, and the units of the whole line."""
    names: list[str] = []
    identity = getattr(petition, "identity", None)  # the reverse one-to-one raises AttributeError if absent
    if identity is not None:
        clear = unseal(identity)
        names += [clear.name, clear.address, *(clear.representatives or [])]
        for value in (clear.phone, clear.id_number, clear.employee_no):
            if value:
                names.append(value)
    for user in (petition.petitioner, petition.handler, petition.leader, petition.accused_user, petition.registered_by):
        if user is not None:
            names += [user.name, user.employee_no]
    units = {petition.unit, petition.handling_unit, petition.accused_unit} - {None}
    unit_ids = {u.pk for u in units}
    names += list(User.objects.filter(home_unit__in=unit_ids).values_list("name", flat=True)[:5000])
    places: list[str] = []
    for unit in units:
        for u in [*unit.ancestors(), unit, *unit.subtree()]:
            places += [u.name, u.short_name]
    return names, places


def may_write(user: User, petition: Petition) -> bool:
    return holds(user, ANSWER_ROLES, petition.unit) and petition.state in CLOSED_STATES


@transaction.atomic
def case_from_petition(*, petition: Petition, acting_user: User, now: datetime | None = None) -> LibraryCase:
    """Draft a case from a closed petition the user may see: text de-identified automatically."""
    now = now or timezone.now()
    if not visible_to(acting_user).filter(pk=petition.pk).exists():
        raise NotAllowed("not_allowed", "您无权查看该信访事项")
    if petition.state not in CLOSED_STATES:
        raise InvalidState("invalid_state", "只有已办结或已终结的信访事项可以编为案例")
    if not may_write(acting_user, petition):
        raise NotAllowed("not_allowed", "只有受理单位的信访工作人员可以编写案例")
    if LibraryCase.objects.filter(source=petition).exists():
        raise InvalidState("already_exists", "该信访事项已编为案例")
    names, places = _names_and_places(petition)
    title = deid.redact(petition.title, names=names, places=places)
    summary = deid.redact(petition.content, names=names, places=places)
    handling_text = f"{petition.get_reply_outcome_display()}：{petition.reply_text}" if petition.reply_text else ""
    handling = deid.redact(handling_text, names=names, places=places)
    counts = title.counts + summary.counts + handling.counts
    case = LibraryCase.objects.create(
        source=petition, unit=petition.unit, category=petition.category, title=title.text[:120],
        summary=summary.text, handling=handling.text, redactions=dict(counts), created_by=acting_user,
        created_at=now,
    )
    audit_record(actor=acting_user, action="engagement.case.create", target=case,
                 data={"petition": petition.number, "redactions": dict(counts)})
    return case


@transaction.atomic
def case_edit(*, case: LibraryCase, acting_user: User, title: str, summary: str, handling: str,
              lessons: list[str], lessons_text: str) -> LibraryCase:
    c = _lock(case)
    if c.state == CaseState.APPROVED:
        raise InvalidState("invalid_state", "已审核的案例不能修改")
    if not holds(acting_user, ANSWER_ROLES, c.unit):
        raise NotAllowed("not_allowed", "只有来源单位的工作人员可以编辑案例")
    unknown = set(lessons) - set(Lesson.values)
    if unknown or len(title.strip()) < 4 or len(summary.strip()) < 10:
        raise InvalidInput("invalid_case", "标题至少4个字，案情至少10个字，经验标签须从列表中选择")
    c.title, c.summary, c.handling = title.strip(), summary.strip(), handling.strip()
    c.lessons, c.lessons_text, c.state = list(lessons), lessons_text.strip(), CaseState.DRAFT
    c.save()
    audit_record(actor=acting_user, action="engagement.case.edit", target=c, data={"lessons": c.lessons})
    return c


@transaction.atomic
def case_submit(*, case: LibraryCase, acting_user: User) -> LibraryCase:
    c = _lock(case)
    if c.state != CaseState.DRAFT:
        raise InvalidState("invalid_state", "只有编辑中的案例可以提交审核")
    if not holds(acting_user, ANSWER_ROLES, c.unit):
        raise NotAllowed("not_allowed", "只有来源单位的工作人员可以提交案例")
    c.state = CaseState.IN_REVIEW
    c.save(update_fields=["state"])
    audit_record(actor=acting_user, action="engagement.case.submit", target=c, data={})
    for reviewer in User.objects.filter(roles__role__in=REVIEW_ROLES, roles__unit__in=[*c.unit.ancestors(), c.unit]) \
            .exclude(pk=acting_user.pk).distinct()[:10]:
        notify_user(reviewer, None, f"典型案例待审核脱敏：{c.title}")
    return c


def case_leftovers(case: LibraryCase) -> list[str]:
    names, places = _names_and_places(case.source)
    text = "\n".join([case.title, case.summary, case.handling, case.lessons_text])
    return deid.leftovers(text, names=names, places=places)


def may_review(user: User, case: LibraryCase) -> bool:
    return holds(user, REVIEW_ROLES, case.unit) and user.pk != case.created_by_id


@transaction.atomic
def case_review(*, case: LibraryCase, acting_user: User, approve: bool, note: str = "",
                now: datetime | None = None) -> LibraryCase:
    """A reviewer other than the writer approves the de-identification (checked again: no ID, phone,
    number, known name or place may remain) or sends the case back to editing."""
    now = now or timezone.now()
    c = _lock(case)
    if c.state != CaseState.IN_REVIEW:
        raise InvalidState("invalid_state", "该案例不在待审核状态")
    if not may_review(acting_user, c):
        raise NotAllowed("not_allowed", "审核须由来源单位的其他信访工作人员或负责人进行，编写人不能审核")
    if approve:
        left = case_leftovers(c)
        if left:
            raise InvalidInput("not_deidentified", "仍含可识别信息，不能通过：" + "、".join(left[:5]))
        c.state, c.reviewed_by, c.reviewed_at = CaseState.APPROVED, acting_user, now
    else:
        c.state = CaseState.DRAFT
    c.save()
    audit_record(actor=acting_user, action="engagement.case." + ("approve" if approve else "return"), target=c,
                 data={"note": note})
    notify_user(c.created_by, None, f"案例“{c.title}”{'已通过审核' if approve else '被退回：' + note}")
    return c


def may_share(user: User, case: LibraryCase) -> bool:
    return holds(user, REVIEW_ROLES, case.unit)


@transaction.atomic
def case_share(*, case: LibraryCase, acting_user: User, units: list[Unit], now: datetime | None = None) -> list[CaseShare]:
    """Grant sister units permission to read an approved case (a grant reaches their subtree)."""
    now = now or timezone.now()
    c = _lock(case)
    if c.state != CaseState.APPROVED:
        raise InvalidState("invalid_state", "案例须经脱敏审核通过后才能共享")
    if not may_share(acting_user, c):
        raise NotAllowed("not_allowed", "只有来源单位的信访工作人员或负责人可以共享案例")
    created = []
    for unit in units:
        share, new = CaseShare.objects.get_or_create(case=c, unit=unit,
                                                     defaults={"granted_by": acting_user, "granted_at": now})
        if new:
            created.append(share)
    if created:
        audit_record(actor=acting_user, action="engagement.case.share", target=c,
                     data={"units": [s.unit.code for s in created]})
        for share in created:
            for officer in User.objects.filter(roles__role__in=REVIEW_ROLES, roles__unit=share.unit).distinct()[:10]:
                notify_user(officer, None, f"兄弟单位共享了典型案例：{c.title}")
    return created


@transaction.atomic
def case_unshare(*, case: LibraryCase, acting_user: User, unit: Unit) -> None:
    if not may_share(acting_user, case):
        raise NotAllowed("not_allowed", "只有来源单位的信访工作人员或负责人可以撤销共享")
    deleted, _n = CaseShare.objects.filter(case=case, unit=unit).delete()
    if deleted:
        audit_record(actor=acting_user, action="engagement.case.unshare", target=case, data={"unit": unit.code})


@dataclass
class Suggestion:
    case: LibraryCase
    score: float


def similar_cases(petition: Petition, user: User, *, limit: int = 3) -> list[Suggestion]:
    """Approved cases ``user`` may read, most like ``petition``: character-bigram Jaccard similarity
    of the texts, plus a bonus for the same category; the petition's own case excluded. The
    petition's bigrams are computed once; only the columns compared are read."""
    probe = bigrams(f"{petition.title}{petition.content}")
    if not probe:
        return []
    candidates = (cases_visible_to(user).filter(state=CaseState.APPROVED).exclude(source_id=petition.pk)
                  .order_by("-created_at").values_list("pk", "title", "summary", "category")[:SUGGEST_CANDIDATES])
    scored: list[tuple[float, int]] = []
    for pk, title, summary, category in candidates:
        other = bigrams(f"{title}{summary}")
        score = len(probe & other) / len(probe | other) if other else 0.0
        same = category == petition.category
        if score >= SUGGEST_MIN_SCORE - (SAME_CATEGORY_BONUS / 2 if same else 0):
            scored.append((round(score + (SAME_CATEGORY_BONUS if same else 0), 3), pk))
    scored.sort(key=lambda sp: -sp[0])
    top = scored[:limit]
    cases = LibraryCase.objects.select_related("unit").in_bulk([pk for _s, pk in top])
    return [Suggestion(case=cases[pk], score=score) for score, pk in top]

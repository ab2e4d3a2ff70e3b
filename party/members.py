"""The member registry: registration on the platform's person record, completeness checks, and
the dated branch history every move goes through (one open Membership per member)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import User
from party.models import (
    ACTIVE_STATUSES,
    BRANCH_KINDS,
    DuesKind,
    Member,
    Membership,
    MemberStatus,
    PartyOrg,
)
from party.scoping import manages
from tongxin.lib.periods import local_date

REGISTRY_FIELDS = (
    "gender", "birth_date", "education", "post_category", "job_title", "is_flowing", "away_since",
    "away_place", "pioneer_post", "responsibility_area", "dues_kind", "dues_base", "dues_base_reviewed_on",
    "joined_on", "full_on", "group",
)
# What a complete record has (the completeness check per branch).
REQUIRED = {
    "gender": gettext_lazy("性别"),
    "birth_date": gettext_lazy("出生日期"),
    "education": gettext_lazy("学历"),
    "post_category": gettext_lazy("岗位类别"),
    "joined_on": gettext_lazy("入党日期"),
}
BASED_KINDS = (DuesKind.SALARIED, DuesKind.ANNUAL, DuesKind.RETIRED)


def require_manager(actor: User | None, org: PartyOrg) -> None:
    if actor is not None and not manages(actor, org):
        raise NotAllowed("party.not_allowed", _("您无权管理该党组织的党员"))


def _check_branch(branch: PartyOrg) -> None:
    if branch.kind not in BRANCH_KINDS:
        raise InvalidInput("party.member.branch", _("党员只能编入党支部或联合党支部"))


@transaction.atomic
def member_register(*, person: User, branch: PartyOrg, status: str, actor: User | None,
                    since: date | None = None, reason: str = "", **attrs) -> Member:
    """Register a person as a member of ``branch`` from ``since`` (default: the 入党 date)."""
    require_manager(actor, branch)
    _check_branch(branch)
    if status not in ACTIVE_STATUSES:
        raise InvalidInput("party.member.status", _("新登记的党员应为预备党员或正式党员"))
    if Member.objects.filter(person=person).exists():
        raise InvalidState("party.member.exists", _("%(name)s已在党员名册中") % {"name": person.name})
    unknown = set(attrs) - set(REGISTRY_FIELDS)
    if unknown:
        raise InvalidInput("party.member.field", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    member = Member(person=person, branch=branch, status=status, **attrs)
    _validate(member)
    member.save()
    start = since or member.joined_on or local_date(timezone.now())
    Membership.objects.create(member=member, branch=branch, start=start, reason=reason or _("登记"))
    audit_record(actor=actor, action="party.member.register", target=member,
                 data={"branch": branch.code, "status": status, "since": start})
    return member


def _validate(member: Member) -> None:
    if member.full_on and member.joined_on and member.full_on < member.joined_on:
        raise InvalidInput("party.member.dates", _("转正日期不能早于入党日期"))
    if member.status == MemberStatus.FULL and member.joined_on and not member.full_on:
        pass  # old records often lack the 转正 date: the completeness check lists it
    if member.dues_base is not None and member.dues_base < 0:
        raise InvalidInput("party.member.dues_base", _("党费基数不能为负数"))
    if member.group_id and (member.group.parent_id != member.branch_id):
        raise InvalidInput("party.member.group", _("党小组必须属于所在党支部"))


@transaction.atomic
def member_update(*, member: Member, actor: User | None, **fields) -> Member:
    """Change registry fields (never the branch: that is a transfer, nor the status)."""
    require_manager(actor, member.branch)
    unknown = set(fields) - set(REGISTRY_FIELDS)
    if unknown:
        raise InvalidInput("party.member.field", _("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    member = Member.objects.select_for_update().get(pk=member.pk)
    changed = {}
    for k, v in fields.items():
        if getattr(member, k) != v:
            changed[k] = str(v)
            setattr(member, k, v)
    _validate(member)
    if changed:
        member.save()
        audit_record(actor=actor, action="party.member.update", target=member, data=changed)
    return member


def move_branch(member: Member, to: PartyOrg, on: date, reason: str) -> None:
    """Close the open membership at ``on`` and open one in ``to`` from ``on`` (inside the caller's
    transaction, with the member row locked by the caller)."""
    _check_branch(to)
    current = Membership.objects.select_for_update().get(member=member, end__isnull=True)
    if on < current.start:
        raise InvalidInput("party.member.move_date", _("转接日期不能早于当前组织关系的起始日期%(d)s")
                           % {"d": current.start})
    current.end = on
    current.save(update_fields=["end"])
    Membership.objects.create(member=member, branch=to, start=on, reason=reason)
    member.branch = to
    member.group = None
    member.save(update_fields=["branch", "group", "updated_at"])


def end_membership(member: Member, on: date, status: str) -> None:
    current = Membership.objects.select_for_update().get(member=member, end__isnull=True)
    if on < current.start:
        raise InvalidInput("party.member.move_date", _("日期不能早于当前组织关系的起始日期%(d)s")
                           % {"d": current.start})
    current.end = on
    current.save(update_fields=["end"])
    member.status = status
    member.save(update_fields=["status", "updated_at"])


def branch_on(member: Member, day: date) -> PartyOrg | None:
    m = (Membership.objects.filter(member=member, start__lte=day).exclude(end__lte=day)
         .select_related("branch").first())
    return m.branch if m else None


# --- completeness ------------------------------------------------------------------------------


def member_gaps(m: Member) -> list[str]:
    gaps = [str(label) for f, label in REQUIRED.items() if getattr(m, f) in (None, "")]
    if m.status == MemberStatus.FULL and m.full_on is None:
        gaps.append(_("转正日期"))
    if m.dues_kind in BASED_KINDS and m.dues_base is None:
        gaps.append(_("党费基数"))
    if not m.person.phone:
        gaps.append(_("手机号"))
    return gaps


@dataclass
class Completeness:
    total: int
    complete: int
    incomplete: list[tuple[Member, list[str]]]

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.total) if self.total else 100


def branch_completeness(branch: PartyOrg) -> Completeness:
    members = list(Member.objects.filter(branch=branch, status__in=ACTIVE_STATUSES).select_related("person")
                   .order_by("person__employee_no"))
    incomplete = [(m, g) for m in members if (g := member_gaps(m))]
    return Completeness(len(members), len(members) - len(incomplete), incomplete)


def decimal_or_none(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None

"""Transfer of the organization relationship (组织关系转接): numbered letters with validity and
党费交至年月, reporting, receipts, expiry. The member stays in the issuing branch until they
report to the receiving one; the move is one dated step of the Membership history, so a member
belongs to exactly one branch at every moment."""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import User
from party.dates import add_months
from party.members import end_membership, member_register, move_branch, require_manager
from party.models import (
    ACTIVE_STATUSES,
    LetterState,
    Member,
    MemberStatus,
    PartyOrg,
    TransferLetter,
)
from party.rules import rule
from party.scoping import manages

OPEN_STATES = (LetterState.ISSUED, LetterState.EXPIRED)


def _number(year: int) -> str:
    prefix = f"ZZ-{year}-"
    last = (TransferLetter.objects.select_for_update().filter(number__startswith=prefix)
            .order_by("-number").values_list("number", flat=True).first())
    n = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{n:06d}"


def _month(text: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        raise InvalidInput("party.transfer.dues_month", _("党费交至年月应为YYYY-MM"))
    return f"{m[1]}-{int(m[2]):02d}"


@transaction.atomic
def letter_issue(*, member: Member, issued_on: date, dues_paid_to: str, actor: User | None,
                 to_org: PartyOrg | None = None, to_name: str = "", reason: str = "") -> TransferLetter:
    """Issue an outgoing letter to a branch of the group (``to_org``) or outside it (``to_name``)."""
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require_manager(actor, member.branch)
    if member.status not in ACTIVE_STATUSES:
        raise InvalidState("party.transfer.inactive", _("该党员不在册，不能开具介绍信"))
    if (to_org is None) == (not to_name.strip()):
        raise InvalidInput("party.transfer.target", _("请选择转入党支部，或填写系统外的转入单位（二者选一）"))
    if to_org is not None and to_org.pk == member.branch_id:
        raise InvalidInput("party.transfer.same", _("转入党支部与所在党支部相同"))
    if to_org is not None and not to_org.is_branch:
        raise InvalidInput("party.transfer.target", _("只能转入党支部或联合党支部"))
    if member.letters.filter(state__in=OPEN_STATES).exists():
        raise InvalidState("party.transfer.open", _("该党员已有未办结的介绍信，请先办结或作废"))
    r = rule("transfer.validity", issued_on)
    letter = TransferLetter.objects.create(
        number=_number(issued_on.year), member=member, from_org=member.branch, to_org=to_org,
        to_name=to_name.strip(), issued_on=issued_on, valid_until=add_months(issued_on, int(r["months"])),
        dues_paid_to=_month(dues_paid_to), reason=reason, issued_by=actor, rule_version=r.stamp,
    )
    audit_record(actor=actor, action="party.transfer.issue", target=letter,
                 data={"member": member.person.employee_no, "to": to_org.code if to_org else to_name})
    return letter


def _lock(letter: TransferLetter) -> TransferLetter:
    return TransferLetter.objects.select_for_update(of=("self",)).select_related("member", "from_org", "to_org").get(pk=letter.pk)


@transaction.atomic
def letter_report(*, letter: TransferLetter, on: date, actor: User | None, late_certificate: str = "") -> TransferLetter:
    """The member reports to the receiving branch of the group: the branch changes on ``on``."""
    letter = _lock(letter)
    if letter.to_org is None:
        raise InvalidState("party.transfer.external", _("转往系统外的介绍信以回执办结"))
    require_manager(actor, letter.to_org)
    if letter.state not in OPEN_STATES:
        raise InvalidState("party.transfer.state", _("介绍信%(s)s，不能再报到") % {"s": letter.get_state_display()})
    if on < letter.issued_on:
        raise InvalidInput("party.transfer.date", _("报到日期不能早于开具日期"))
    if on > letter.valid_until and not late_certificate.strip():
        raise InvalidInput("transfer.validity", _("介绍信已于%(d)s过期，逾期报到须提交原党支部出具的证明")
                           % {"d": letter.valid_until})
    member = Member.objects.select_for_update().get(pk=letter.member_id)
    move_branch(member, letter.to_org, on, _("组织关系转入（%(n)s）") % {"n": letter.number})
    letter.state, letter.reported_on, letter.late_certificate = LetterState.REPORTED, on, late_certificate.strip()
    letter.save(update_fields=["state", "reported_on", "late_certificate"])
    audit_record(actor=actor, action="party.transfer.report", target=letter, data={"on": on})
    return letter


@transaction.atomic
def letter_receipt(*, letter: TransferLetter, on: date, actor: User | None) -> TransferLetter:
    """The 回执 came back to the issuing branch. For a letter out of the group it ends the
    membership on the day the member reported there (``on``)."""
    letter = _lock(letter)
    require_manager(actor, letter.from_org)
    if letter.to_org is not None and letter.state != LetterState.REPORTED:
        raise InvalidState("party.transfer.state", _("党员尚未到转入党支部报到"))
    if letter.to_org is None and letter.state not in OPEN_STATES:
        raise InvalidState("party.transfer.state", _("介绍信%(s)s") % {"s": letter.get_state_display()})
    if on < letter.issued_on:
        raise InvalidInput("party.transfer.date", _("回执日期不能早于开具日期"))
    if letter.to_org is None:
        member = Member.objects.select_for_update().get(pk=letter.member_id)
        end_membership(member, on, MemberStatus.LEFT)
        letter.reported_on = on
    letter.state, letter.receipt_on = LetterState.RECEIPTED, on
    letter.save(update_fields=["state", "receipt_on", "reported_on"])
    audit_record(actor=actor, action="party.transfer.receipt", target=letter, data={"on": on})
    return letter


@transaction.atomic
def letter_cancel(*, letter: TransferLetter, actor: User | None, reason: str) -> TransferLetter:
    letter = _lock(letter)
    require_manager(actor, letter.from_org)
    if letter.state not in OPEN_STATES:
        raise InvalidState("party.transfer.state", _("只有未报到的介绍信可以作废"))
    if not reason.strip():
        raise InvalidInput("party.transfer.reason", _("请填写作废原因"))
    letter.state = LetterState.CANCELLED
    letter.save(update_fields=["state"])
    audit_record(actor=actor, action="party.transfer.cancel", target=letter, data={"reason": reason})
    return letter


@transaction.atomic
def transfer_in_external(*, person: User, to_org: PartyOrg, from_name: str, number: str, issued_on: date,
                         valid_until: date, dues_paid_to: str, reported_on: date, status: str,
                         joined_on: date | None, actor: User | None, late_certificate: str = "") -> TransferLetter:
    """A member comes from outside the group with a letter: register them from ``reported_on``."""
    if actor is not None and not manages(actor, to_org):
        raise NotAllowed("party.not_allowed", _("您无权管理该党组织的党员"))
    if reported_on > valid_until and not late_certificate.strip():
        raise InvalidInput("transfer.validity", _("介绍信已于%(d)s过期，逾期报到须提交原党支部出具的证明")
                           % {"d": valid_until})
    if not number.strip() or TransferLetter.objects.filter(number=number.strip()).exists():
        raise InvalidInput("party.transfer.number", _("请填写介绍信编号（不能与已登记的重复）"))
    member = Member.objects.filter(person=person).first()
    if member is not None and member.status in ACTIVE_STATUSES:
        raise InvalidState("party.member.exists", _("%(name)s已在党员名册中") % {"name": person.name})
    if member is None:
        member = member_register(person=person, branch=to_org, status=status, actor=actor, since=reported_on,
                                 reason=_("组织关系转入（%(n)s）") % {"n": number}, joined_on=joined_on)
    else:  # returning member: the old record continues with a new period
        from party.models import Membership

        member.branch, member.status = to_org, status
        member.save(update_fields=["branch", "status", "updated_at"])
        Membership.objects.create(member=member, branch=to_org, start=reported_on, reason=_("组织关系转入"))
    letter = TransferLetter.objects.create(
        number=number.strip(), member=member, from_name=from_name.strip(), to_org=to_org, issued_on=issued_on,
        valid_until=valid_until, dues_paid_to=_month(dues_paid_to), state=LetterState.REPORTED,
        reported_on=reported_on, late_certificate=late_certificate.strip(), issued_by=actor,
    )
    audit_record(actor=actor, action="party.transfer.in_external", target=letter, data={"from": from_name})
    return letter


def expire_letters(today: date) -> int:
    """Mark letters past validity as expired (idempotent; the member stays where they were)."""
    return TransferLetter.objects.filter(state=LetterState.ISSUED, valid_until__lt=today).update(
        state=LetterState.EXPIRED)


def open_letters(qs: QuerySet[TransferLetter]) -> QuerySet[TransferLetter]:
    return qs.filter(state__in=OPEN_STATES)


def missing_receipts(qs: QuerySet[TransferLetter]) -> QuerySet[TransferLetter]:
    """Reported in the group (or out of it) but the 回执 is not back with the issuing branch."""
    return qs.filter(state=LetterState.REPORTED, from_org__isnull=False)


def away_without_transfer(members: QuerySet[Member], today: date) -> QuerySet[Member]:
    """Members away ≥ transfer.away months with no open letter (the §9 absence risk)."""
    months = int(rule("transfer.away", today)["months"])
    limit = add_months(today, -months)
    return (members.filter(status__in=ACTIVE_STATUSES, away_since__isnull=False, away_since__lte=limit)
            .exclude(Q(letters__state__in=OPEN_STATES)).distinct())

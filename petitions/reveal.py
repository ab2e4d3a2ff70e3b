"""Revealing a petitioner's identity: cleared roles only, with a stated reason, audited.

Lists, pages and exports show masked values (petitions.identity). Seeing the real name,
phone, ID number and address is a separate, deliberate act (DESIGN §4; PIPL 第二十八条:
sensitive personal information, handled only when necessary and with strict protection):

* who: petition officers and unit leaders holding the role at the accepting unit or above it,
  and discipline inspectors (纪检) of that line — not system administrators as such, not
  handlers (they work through the officer), and only for a petition they can see at all;
* never the accused, the petitioner's own account, or a leader of the accused unit or of its
  parent (第三十条第三款: material must not pass to the accused or their line management);
* never for an anonymous petition: there is nothing to reveal;
* why: a reason of at least five characters;
* trace: every reveal appends an ``identity.reveal`` audit event (who, when, from where,
  which fields, why) in the same transaction — the audit log is append-only, hash-chained
  and, on PostgreSQL, protected by a trigger, so nobody in the petitioner's line can erase it.
"""

from __future__ import annotations

from django.db import transaction

from audit.middleware import current_origin
from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from orgs.choices import Role
from orgs.models import User
from petitions import selectors
from petitions.identity import Identity, unseal
from petitions.models import Petition, PetitionerIdentity
from petitions.rules import conflict_of_interest

# Roles that may reveal, held at the accepting unit or one of its ancestors.
REVEAL_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.DISCIPLINE_INSPECTOR)
MIN_REASON = 5
MAX_REASON = 500
FIELDS = ("name", "phone", "id_number", "address", "employee_no", "representatives")


def _leads_accused_line(user: User, petition: Petition) -> bool:
    """A leader of the accused unit or of its parent (whatever the petition's type)."""
    accused = petition.accused_unit
    if accused is None:
        return False
    return any(
        ra.role == Role.UNIT_LEADER and ra.unit.pk in (accused.pk, accused.parent_id)
        for ra in user.role_assignments()
    )


def reveal_refusal(
    *, petition: Petition, acting_user: User, visible: bool = False
) -> NotAllowed | InvalidState | None:
    """Why ``acting_user`` may not reveal this petitioner's identity (None: they may).

    ``visible``: the caller already fetched the petition through ``selectors.visible_to``.
    """
    if acting_user is None or not acting_user.is_authenticated:
        return NotAllowed("not_allowed", "请先登录")
    if petition.is_anonymous:
        return InvalidState("anonymous", "匿名信访事项没有可查看的实名信息")
    conflict = conflict_of_interest(acting_user, petition)
    if conflict:
        return NotAllowed("conflict_of_interest", conflict)
    if _leads_accused_line(acting_user, petition):
        return NotAllowed("conflict_of_interest", "您是被检举单位的负责人，依法回避")
    if not any(acting_user.has_role(role, petition.unit) for role in REVEAL_ROLES):
        return NotAllowed(
            "not_cleared", "只有受理单位及其上级的信访干事、单位负责人和纪检人员可以查看实名信息"
        )
    if not visible and not selectors.visible_to(acting_user).filter(pk=petition.pk).exists():
        return NotAllowed("not_allowed", "您无权查看该信访事项")
    return None


def may_reveal(*, petition: Petition, acting_user: User) -> bool:
    return reveal_refusal(petition=petition, acting_user=acting_user) is None


def identity_reveal(*, petition: Petition, acting_user: User, reason: str) -> Identity:
    """The petitioner's identity in clear, for ``acting_user``, recorded in the audit log."""
    error = reveal_refusal(petition=petition, acting_user=acting_user)
    if error is not None:
        raise error
    reason = " ".join((reason or "").split())
    if len("".join(reason.split())) < MIN_REASON:  # characters, not spaces
        raise InvalidInput("reason_required", f"请说明查看实名信息的理由（至少{MIN_REASON}个字）")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason_too_long", f"理由不能超过{MAX_REASON}个字")
    with transaction.atomic():
        row = PetitionerIdentity.objects.filter(petition=petition).first()
        if row is None:
            raise NotFound("no_identity", "该信访事项没有登记实名信息")
        identity = unseal(row)
        fields = [name for name in FIELDS if getattr(identity, name)]
        audit_record(
            actor=acting_user, action="identity.reveal", target=petition,
            data={"reason": reason, "fields": fields, "ip": current_origin().ip},
        )
    return identity

"""Who may do what to a petition, and in which state: the one table of allowed transitions
and the guard predicates that pages (which buttons to show) and services (what to refuse)
both call (STYLE §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import timezone

from core.errors import DomainError, InvalidState, NotAllowed
from orgs.choices import Role
from orgs.models import Unit, User
from petitions.choices import PetitionType, State


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    FORWARD = "forward"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    TRANSFER = "transfer"
    EXTEND = "extend"
    REPLY = "reply"
    RATE = "rate"
    REQUEST_REVIEW = "request_review"
    DECIDE_REVIEW = "decide_review"
    REQUEST_REREVIEW = "request_rereview"
    DECIDE_REREVIEW = "decide_rereview"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    ADD_MATERIAL = "add_material"
    SUPERVISE = "supervise"


# The one table of allowed transitions: action → (states it may start from, state it leads to).
# None as target: the state does not change (or depends on the case, see workflow).
TRANSITIONS: dict[Action, tuple[frozenset[State], State | None]] = {
    Action.ACCEPT: (frozenset({State.REGISTERED}), State.ACCEPTED),
    Action.DECLINE: (frozenset({State.REGISTERED}), State.NOT_ACCEPTED),
    Action.FORWARD: (frozenset({State.REGISTERED}), State.REGISTERED),
    Action.ASSIGN: (frozenset({State.ACCEPTED}), State.HANDLING),
    Action.REASSIGN: (frozenset({State.HANDLING}), State.HANDLING),
    Action.TRANSFER: (frozenset({State.ACCEPTED, State.HANDLING}), State.ACCEPTED),
    Action.EXTEND: (frozenset({State.HANDLING}), State.HANDLING),
    Action.REPLY: (frozenset({State.HANDLING}), State.REPLIED),
    Action.RATE: (frozenset({State.REPLIED, State.REVIEWED}), State.CLOSED),
    Action.REQUEST_REVIEW: (frozenset({State.REPLIED, State.CLOSED}), State.REVIEWING),
    Action.DECIDE_REVIEW: (frozenset({State.REVIEWING}), State.REVIEWED),
    Action.REQUEST_REREVIEW: (frozenset({State.REVIEWED, State.CLOSED}), State.REREVIEWING),
    Action.DECIDE_REREVIEW: (frozenset({State.REREVIEWING}), State.FINAL),
    Action.WITHDRAW: (frozenset({State.REGISTERED, State.ACCEPTED, State.HANDLING}), State.WITHDRAWN),
    Action.MERGE: (frozenset({State.REGISTERED, State.ACCEPTED}), State.MERGED),
    Action.ADD_MATERIAL: (
        frozenset({State.REGISTERED, State.ACCEPTED, State.HANDLING, State.REVIEWING, State.REREVIEWING}),
        None,
    ),
    Action.SUPERVISE: (frozenset({State.ACCEPTED, State.HANDLING, State.REVIEWING, State.REREVIEWING}), None),
}

# Actions taken by the petitioner (named account or anonymous receipt holder).
PETITIONER_ACTIONS = frozenset(
    {Action.RATE, Action.REQUEST_REVIEW, Action.REQUEST_REREVIEW, Action.WITHDRAW, Action.ADD_MATERIAL}
)
DESK_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR)


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in user, or the holder of an anonymous receipt code."""

    user: User | None = None
    receipt_holder: bool = False

    @property
    def label(self) -> str:
        return self.user.name if self.user else "匿名信访人"


def _holds(user: User, roles: tuple[str, ...], unit: Unit | None) -> bool:
    if unit is None:
        return False
    return user.is_superuser or any(user.has_role(r, unit) for r in roles)


def is_petitioner(actor: Actor, petition) -> bool:
    if actor.receipt_holder:
        return True
    return actor.user is not None and petition.petitioner_id is not None and petition.petitioner_id == actor.user.pk


def conflict_of_interest(user: User, petition) -> str | None:
    """第二十八条第三款: people with a direct interest withdraw; 第三十条第三款: the accused never sees."""
    if petition.accused_user_id and user.pk == petition.accused_user_id:
        return "您是被检举人，依法回避"
    if petition.petitioner_id and user.pk == petition.petitioner_id:
        return "您是信访人本人，依法回避"
    if petition.ptype == PetitionType.ACCUSATION and petition.accused_unit_id:
        accused = petition.accused_unit
        for ra in user.role_assignments():
            # Leaders of the accused unit (or of its direct parent) are in line management of the accused.
            if ra.role == Role.UNIT_LEADER and (ra.unit.pk == accused.pk or ra.unit.pk == accused.parent_id):
                return "您是被检举单位的负责人，依法回避"
    return None


def review_unit_for(petition) -> Unit | None:
    """复查 goes to the unit above the one that accepted and answers for the matter (第三十五条).
    Teams and departments handle inside their mine; the mine answers in its own name."""
    return petition.unit.parent or petition.unit


def _role_check(action: Action, actor: Actor, petition, now: datetime) -> str | None:
    """Return why ``actor`` may not take ``action`` (None: allowed). State is checked elsewhere."""
    user = actor.user
    if action in PETITIONER_ACTIONS:
        if not is_petitioner(actor, petition):
            return "只有信访人本人可以进行此操作"
        return _window_check(action, petition, now)
    if user is None or not user.is_authenticated:
        return "请先登录"
    conflict = conflict_of_interest(user, petition)
    if conflict:
        return conflict
    if action in (Action.ACCEPT, Action.DECLINE, Action.FORWARD, Action.ASSIGN, Action.MERGE, Action.TRANSFER):
        if not _holds(user, DESK_ROLES, petition.unit):
            return "您不是该信访事项受理单位的信访工作人员"
        return None
    if action == Action.REASSIGN:
        if not _holds(user, DESK_ROLES, petition.unit):
            return "您不是该信访事项受理单位的信访工作人员"
        return None
    if action == Action.EXTEND:
        # 第三十四条: the unit head approves the extension.
        if not _holds(user, (Role.UNIT_LEADER, Role.ADMINISTRATOR), petition.handling_unit):
            return "延期须由承办单位负责人批准"
        if petition.extension_count >= 1:
            return "办理期限只能延长一次"
        return None
    if action == Action.REPLY:
        if user.pk == petition.handler_id or user.pk == petition.leader_id:
            return None
        return "只有承办人或责任领导可以出具处理意见"
    if action in (Action.DECIDE_REVIEW, Action.DECIDE_REREVIEW):
        review = petition.open_review
        if review is None:
            return "没有待决定的复查/复核申请"
        if user.pk in (petition.handler_id, petition.leader_id):
            return "原承办人和责任领导不能决定复查/复核"
        if not _holds(user, DESK_ROLES, review.unit):
            return f"{review.get_level_display()}由{review.unit.name}决定"
        return None
    if action == Action.SUPERVISE:
        supervisor = petition.unit.parent or petition.unit
        if not _holds(user, DESK_ROLES, supervisor):
            return "督办由上级单位的信访工作人员发出"
        return None
    return "未知操作"


def _window_check(action: Action, petition, now: datetime) -> str | None:
    if action == Action.REQUEST_REVIEW:
        if petition.reviews_requested(level="review"):
            return "该事项已申请过复查"
        if petition.review_request_due_at is None or now >= petition.review_request_due_at:
            return "复查申请期限（收到处理意见书之日起30日）已过"
    if action == Action.REQUEST_REREVIEW:
        if not petition.reviews_requested(level="review"):
            return "须先申请复查"
        if petition.reviews_requested(level="rereview"):
            return "该事项已申请过复核"
        if petition.rereview_request_due_at is None or now >= petition.rereview_request_due_at:
            return "复核申请期限（收到复查意见之日起30日）已过"
    if action == Action.RATE and petition.rated_at is not None and petition.state == State.REPLIED:
        return "已评价"
    return None


def refusal(action: Action, actor: Actor, petition, now: datetime | None = None) -> DomainError | None:
    """The error that refusing ``action`` would raise, or None if it is allowed now."""
    now = now or timezone.now()
    allowed_from, _target = TRANSITIONS[action]
    if petition.state not in allowed_from:
        return InvalidState(
            "invalid_state", f"当前状态为“{State(petition.state).label}”，不能进行此操作", state=petition.state
        )
    reason = _role_check(action, actor, petition, now)
    if reason:
        return NotAllowed("not_allowed", reason)
    return None


def can(action: Action, actor: Actor, petition, now: datetime | None = None) -> bool:
    return refusal(action, actor, petition, now) is None


def ensure(action: Action, actor: Actor, petition, now: datetime | None = None) -> None:
    error = refusal(action, actor, petition, now)
    if error is not None:
        raise error


def allowed_actions(actor: Actor, petition, now: datetime | None = None) -> list[Action]:
    now = now or timezone.now()
    return [a for a in TRANSITIONS if can(a, actor, petition, now)]

"""Reads of petitions. ``visible_to`` is the one scoping function every page, API endpoint,
export and report uses (DESIGN §3)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from orgs.choices import Role
from orgs.models import Unit, User, subtree_q
from petitions.choices import OPEN_STATES, PetitionType
from petitions.models import AccountabilityRecord, Petition, Review

# Roles that see the petitions of their unit's subtree.
DESK_SCOPE_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR)


def _subtree_ids(user: User, units) -> list[int]:
    """The ids of the units' subtrees, as constants (cached on the user object, which lives for one
    request; the petitions reviewed by a desk likewise, :func:`_reviewed_by`): tested
    per row as a hashed ``= ANY(array)`` (the KPI engine's grouped counts stay cheap), and each
    arm of the scope's OR can use its (unit, state) index, so the planner combines them in a
    BitmapOr instead of filtering every open petition (a mine officer's inbox counters: 31 ms →
    4 ms at 1M petitions)."""
    return _per_request(user, ("subtrees", *sorted(u.pk for u in units)),
                        lambda: list(Unit.objects.filter(subtree_q(units)).values_list("pk", flat=True)))


def _per_request(user: User, key: tuple, compute: Callable[[], list[int]]) -> list[int]:
    """``compute()`` once per user object (one request) and key."""
    cache = user.__dict__.setdefault("_scope_ids", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _in_subtrees(user: User, field: str, units) -> Q:
    return Q(**{f"{field}__in": _subtree_ids(user, units)})


# Up to this many petitions reviewed by a desk's units are named by id (indexable, see above);
# more, and the scope asks EXISTS per row instead of carrying a long list in every query.
REVIEW_IDS_INLINE = 500


def _reviewed_by(user: User, desk_units) -> Q:
    ids = _per_request(user, ("reviews", *sorted(u.pk for u in desk_units)), lambda: list(
        Review.objects.filter(unit__in=desk_units).values_list("petition_id", flat=True).distinct()[: REVIEW_IDS_INLINE + 1]))
    if len(ids) <= REVIEW_IDS_INLINE:
        return Q(pk__in=ids)
    # EXISTS, not a join: one row per petition, so the queryset can be counted and grouped
    # (the KPI engine aggregates over it) without DISTINCT.
    return Q(Exists(Review.objects.filter(petition=OuterRef("pk"), unit__in=desk_units)))


def desk_covers_everything(user: User) -> bool:
    """Does ``user`` see every petition but the excluded ones (:func:`excluded_q`): a superuser,
    or a desk (officer, leader, administrator) at every root of the unit tree? Then the scope
    is "all petitions" (every petition has a 受理单位), and lists and counts need not test it
    row by row (a deadline index can then stop after a page of rows). Cached on the user."""
    cached = getattr(user, "_desk_covers_everything", None)
    if cached is None:
        if user.is_superuser:
            cached = True
        else:
            # Only a desk at a root can cover everything (then one query for the roots).
            desk = {u.path for u in user.units_with(*DESK_SCOPE_ROLES) if u.parent_id is None}
            cached = bool(desk) and all(
                path in desk for path in Unit.objects.filter(parent__isnull=True).values_list("path", flat=True))
        user._desk_covers_everything = cached
    return cached


def excluded_q(user: User) -> Q | None:
    """Petitions withheld from ``user`` whatever their scope (第三十条第三款): those accusing
    them, and for a unit leader the accusations against their unit or a unit directly below."""
    q = Q(accused_user=user)
    led = [ra.unit for ra in user.role_assignments() if ra.role == Role.UNIT_LEADER]
    if led and not user.is_superuser:
        led_ids = [u.pk for u in led]
        # Constant ids (not a sub-select): the accused-unit index finds the few rows.
        below = list(Unit.objects.filter(parent__in=led_ids).values_list("pk", flat=True))
        q |= Q(ptype=PetitionType.ACCUSATION, accused_unit__in=[*led_ids, *below])
    return q


def visible_to(user: User, qs: QuerySet[Petition] | None = None) -> QuerySet[Petition]:
    qs = Petition.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs.exclude(accused_user=user)
    scope = scope_of(user)
    if scope is None:
        # The scope is true of every row: not written, so that the planner sees no scope.
        return _exclude_withheld(user, qs)
    return _exclude_withheld(user, qs.filter(reduce(operator.or_, scope.arms())))


@dataclass(frozen=True)
class Scope:
    """The parts of a signed-in user's scope: :func:`visible_to` keeps a petition whose 受理单位
    is one of ``units`` (a desk's subtrees) or that meets one of ``others``, and that is not
    withheld from the user."""

    units: tuple[int, ...]
    others: tuple[Q, ...]

    def arms(self) -> list[Q]:
        return ([Q(unit__in=list(self.units))] if self.units else []) + list(self.others)


def scope_of(user: User) -> Scope | None:
    """The user's :class:`Scope`; None: every petition (a superuser, or a desk at every root of
    the unit tree)."""
    if user.is_superuser or desk_covers_everything(user):
        return None
    units: list[int] = []
    others = [Q(petitioner=user), Q(handler=user), Q(leader=user)]
    desk_units = user.units_with(*DESK_SCOPE_ROLES)
    if desk_units:
        units = _subtree_ids(user, desk_units)
        others += [Q(handling_unit__in=units), _reviewed_by(user, desk_units)]
    inspector_units = user.units_with(Role.DISCIPLINE_INSPECTOR)
    if inspector_units:
        # 纪检 see accusations in their subtree, and every matter with an accountability record.
        others.append(_in_subtrees(user, "unit", inspector_units) & Q(ptype=PetitionType.ACCUSATION))
        others.append(Q(Exists(AccountabilityRecord.objects.filter(subtree_q(inspector_units, "unit__"),
                                                                   petition=OuterRef("pk")))))
    return Scope(tuple(units), tuple(others))


def beyond_units_ids(scope: Scope, *, cap: int) -> list[int] | None:
    """The ids of the petitions that meet one of the scope's ``others`` and whose 受理单位 is not
    one of its ``units``, newest first, read from indexes alone ((handling_unit, unit, id) and
    (unit, ptype, id) cover the large parts: a mine's officer's 20,000 petitions handled in the
    mine are passed over in the index, not read). With the units' own petitions (search reads
    those from its index by unit) they are the whole scope — and perhaps withheld petitions, which
    need the rows: a caller keeps only what :func:`visible_to` keeps. None: more than ``cap``."""
    # One statement, the parts (each capped) one after another, united and sorted here: Python's
    # de-duplication and sort cost less than the database's, and ids through the ORM's row
    # handling more than reading them.
    parts, params = [], []
    for arm in scope.others:
        qs = Petition.objects.filter(arm)
        if scope.units:
            qs = qs.exclude(unit__in=list(scope.units))
        try:
            sql, arm_params = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # e.g. no petition reviewed by the desk: the part is empty
            continue
        parts.append(f"SELECT pk FROM ({sql} LIMIT {int(cap) + 1}) AS part")  # nosec B608 — Django-compiled SQL
        params += arm_params
    if not parts:
        return []
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)  # nosec B608 — Django-compiled SQL, parameters apart
        ids = {row[0] for row in cur.fetchall()}
    return sorted(ids, reverse=True) if len(ids) <= cap else None


def _exclude_withheld(user: User, qs: QuerySet[Petition]) -> QuerySet[Petition]:
    # 第三十条第三款: never to the accused, nor to the leaders of the accused unit or its parent.
    qs = qs.exclude(accused_user=user)
    led = [ra.unit for ra in user.role_assignments() if ra.role == Role.UNIT_LEADER]
    if led:
        led_ids = [u.pk for u in led]
        qs = qs.exclude(
            Q(ptype=PetitionType.ACCUSATION)
            & (Q(accused_unit__in=led_ids) | Q(accused_unit__in=Unit.objects.filter(parent__in=led_ids).values("pk")))
        )
    return qs


def inbox(
    user: User,
    *,
    state: str = "",
    category: str = "",
    channel: str = "",
    unit=None,
    due: str = "",
    q: str = "",
    now: datetime | None = None,
) -> QuerySet[Petition]:
    """The officer's inbox: open matters sorted by deadline, filterable."""
    now = now or timezone.now()
    qs = visible_to(user).select_related("unit", "handling_unit", "handler")
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=OPEN_STATES)
    if category:
        qs = qs.filter(category=category)
    if channel:
        qs = qs.filter(channel=channel)
    if unit is not None:
        # The subtree as a list of ids (not a join on the unit's path): the FK indexes serve it.
        ids = list(Unit.objects.filter(subtree_q([unit])).values_list("pk", flat=True))
        qs = qs.filter(Q(unit__in=ids) | Q(handling_unit__in=ids))
    if due == "overdue":
        qs = qs.filter(due_at__lte=now)
    elif due == "soon":
        qs = qs.filter(due_at__gt=now, due_at__lte=now + timedelta(days=3))
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return qs.order_by("due_at", "id")


def worklist(user: User) -> QuerySet[Petition]:
    """Matters this person handles or answers for as leader."""
    return (
        visible_to(user)
        .filter(Q(handler=user) | Q(leader=user), state__in=OPEN_STATES)
        .select_related("unit", "handling_unit", "handler", "leader")
        .order_by("due_at", "id")
    )


def mine(user: User) -> QuerySet[Petition]:
    return Petition.objects.filter(petitioner=user).select_related("unit").order_by("-received_at")


def accountability_visible_to(user: User) -> QuerySet[AccountabilityRecord]:
    qs = AccountabilityRecord.objects.select_related("petition", "unit", "responsible", "leader", "cause_event")
    if user.is_superuser:
        return qs
    units = user.units_with(Role.DISCIPLINE_INSPECTOR, Role.ADMINISTRATOR, Role.UNIT_LEADER)
    q = Q(responsible=user) | Q(leader=user)
    if units:
        q |= subtree_q(units, "unit__")
    return qs.filter(q).exclude(petition__accused_user=user)

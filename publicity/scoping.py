"""Who sees which publicity records: one function per record kind (DESIGN §3).

宣传干事 (Role.PUBLICITY_OFFICER) at a unit see that unit's subtree; administrators see all;
reviewers (EditorialPost) see the pieces of their subtree in review; an author sees their own.
An embargoed piece (禁发) is seen only by its author and its reviewers.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from orgs.choices import Role
from orgs.models import Unit, User, subtree_q
from publicity.choices import PieceState
from publicity.search import news_q

STAFF_ROLES = (Role.PUBLICITY_OFFICER, Role.ADMINISTRATOR)


def staff_units(user: User) -> list[Unit] | None:
    """Units whose subtree ``user`` runs publicity work for; None: all (administrators)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser or user.is_administrator:
        return None
    return user.units_with(Role.PUBLICITY_OFFICER)


def is_staff_for(user: User, unit: Unit | None = None) -> bool:
    """宣传干事 of ``unit`` (or of any unit when None), or an administrator."""
    units = staff_units(user)
    if units is None:
        return True
    if unit is None:
        return bool(units)
    return any(unit.is_within(u) for u in units)


def _unit_q(units: list[Unit] | None, field: str) -> Q:
    if units is None:
        return Q()
    return subtree_q(units, field=field)


def staff_unit_choices(user: User) -> QuerySet[Unit]:
    units = staff_units(user)
    if units is None:
        return Unit.objects.filter(is_active=True)
    return Unit.objects.subtrees_of(units).filter(is_active=True) if units else Unit.objects.none()


def post_units(user: User, level: str | None = None) -> list[Unit]:
    from publicity.models import EditorialPost

    if not user.is_authenticated:
        return []
    qs = EditorialPost.objects.filter(user=user).select_related("unit")
    if level:
        qs = qs.filter(level=level)
    return [p.unit for p in qs]


def correspondent_units(user: User) -> list[Unit]:
    from publicity.models import Correspondent

    if not user.is_authenticated:
        return []
    return [c.unit for c in Correspondent.objects.filter(user=user, is_active=True).select_related("unit")]


def pieces_visible_to(user: User, now: datetime | None = None) -> QuerySet:
    """Pieces in the newsroom this user may open (drafts: their author only)."""
    from publicity.models import Piece, PieceReview

    if not user.is_authenticated:
        return Piece.objects.none()
    now = now or timezone.now()
    staff = staff_units(user)
    posts = post_units(user)
    reviewed = Exists(PieceReview.objects.filter(piece=OuterRef("pk"), reviewer=user))
    in_scope = Q(pk__in=[])
    if staff is None or staff:
        in_scope |= _unit_q(staff, "unit__")
    if posts:
        in_scope |= subtree_q(posts, field="unit__")
    as_reviewer = (subtree_q(posts, field="unit__") if posts else Q(pk__in=[])) | Q(reviewed)
    visible = Q(author=user) | (~Q(state=PieceState.DRAFT) & in_scope) | Q(reviewed)
    not_embargoed = Q(embargo_until__isnull=True) | Q(embargo_until__lte=now)
    return Piece.objects.filter(visible).filter(not_embargoed | Q(author=user) | as_reviewer)


def news_visible_to(user: User, now: datetime | None = None) -> QuerySet:
    """The platform's news pages: published pieces for the news, past their embargo.
    Every logged-in person reads them (the news of the group is not confidential)."""
    from publicity.models import Piece

    if not user.is_authenticated:
        return Piece.objects.none()
    now = now or timezone.now()
    return Piece.objects.filter(news_q(now))

"""What the home page shows each person: their roles, a few counters by role, and the
entry points they use. A handful of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.choices import Role
from petitions import selectors
from petitions.choices import OPEN_STATES, AccountabilityStatus, State

SOON = timedelta(days=3)  # as selectors.inbox(due="soon")


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    value: int
    url: str
    tone: str = "secondary"  # Bootstrap text colour of the number when it is not zero
    icon: str = "inbox"


def sees_desk(user) -> bool:
    """Does ``user`` work the petition desk somewhere (officer, unit leader, administrator)?"""
    return user.is_superuser or bool(user.units_with(*selectors.DESK_SCOPE_ROLES))


def inbox_counts(user, now: datetime) -> dict[str, int]:
    """Open matters in the user's scope: all, overdue, due within 3 days, awaiting acceptance."""
    return selectors.inbox(user, now=now).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lte=now)),
        soon=Count("id", filter=Q(due_at__gt=now, due_at__lte=now + SOON)),
        registered=Count("id", filter=Q(state=State.REGISTERED)),
    )


def home_context(user, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    assignments = sorted(user.role_assignments(), key=lambda ra: (ra.unit.path, ra.role))
    held = user.role_set
    counters: list[Counter] = []
    if sees_desk(user):
        inbox_url = reverse("petitions:inbox")
        counts = inbox_counts(user, now)
        counters += [
            Counter("open", _("在办信访"), counts["open"], inbox_url, "primary", "inbox"),
            Counter("registered", _("待受理"), counts["registered"], f"{inbox_url}?state=registered", "primary",
                    "hourglass-split"),
            Counter("soon", _("3日内到期"), counts["soon"], f"{inbox_url}?due=soon", "warning", "alarm"),
            Counter("overdue", _("已超期"), counts["overdue"], f"{inbox_url}?due=overdue", "danger",
                    "exclamation-octagon"),
        ]
    if user.is_superuser or held & {Role.HANDLER, Role.UNIT_LEADER}:
        counters.append(Counter("worklist", _("我的承办"), selectors.worklist(user).count(),
                                reverse("petitions:worklist"), "primary", "list-check"))
    if user.is_superuser or Role.DISCIPLINE_INSPECTOR in held:
        pending = selectors.accountability_visible_to(user).filter(status=AccountabilityStatus.OPEN).count()
        counters.append(Counter("accountability", _("待处理追责"), pending, reverse("petitions:accountability"),
                                "danger", "shield-exclamation"))
    mine_open = selectors.mine(user).filter(state__in=OPEN_STATES).count()
    counters.append(Counter("mine", _("我的在办信访"), mine_open, _url_or_empty("petitions:mine"), "primary",
                            "person-lines-fill"))
    return {"assignments": assignments, "counters": counters}


def _url_or_empty(name: str) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:  # the public pages are not installed yet
        return ""

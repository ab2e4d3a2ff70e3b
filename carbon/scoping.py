"""Who sees and does what in the carbon module: one scoping function per record kind (DESIGN §3),
used by pages, API and exports alike, and the predicates behind both buttons and refusals."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from carbon.models import ActivityRecord, Facility, Report, Scenario, Verifier
from orgs.choices import Role
from orgs.models import Unit, User, subtree_q

READ_ROLES = (Role.ENERGY_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR)
ENTER_ROLES = (Role.ENERGY_OFFICER, Role.ADMINISTRATOR)
APPROVE_ROLES = (Role.UNIT_LEADER, Role.ADMINISTRATOR)


def _units(user: User, roles) -> list[Unit]:
    return user.units_with(*roles)


def reading_units(user: User) -> list[Unit]:
    """Roots of the subtrees whose carbon records ``user`` may read (roles and verifier posts)."""
    if not user.is_authenticated:
        return []
    units = _units(user, READ_ROLES)
    units += [v.unit for v in Verifier.objects.filter(user=user).select_related("unit")]
    return units


def may_use(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(reading_units(user)))


def facilities_visible_to(user: User) -> QuerySet[Facility]:
    if not user.is_authenticated:
        return Facility.objects.none()
    if user.is_superuser:
        return Facility.objects.all()
    units = reading_units(user)
    if not units:
        return Facility.objects.none()
    return Facility.objects.filter(subtree_q(units, field="unit__"))


def activity_visible_to(user: User) -> QuerySet[ActivityRecord]:
    return ActivityRecord.objects.filter(facility__in=facilities_visible_to(user))


def reports_visible_to(user: User) -> QuerySet[Report]:
    """Reports of an entity inside the user's subtrees, or of an entity above the user's unit
    (a mine's energy officer reads the company's report that contains the mine)."""
    if not user.is_authenticated:
        return Report.objects.none()
    if user.is_superuser:
        return Report.objects.all()
    units = reading_units(user)
    if not units:
        return Report.objects.none()
    above = Q()
    for u in units:
        above |= Q(entity__in=u.ancestors())
    return Report.objects.filter(subtree_q(units, field="entity__") | above)


def scenarios_visible_to(user: User) -> QuerySet[Scenario]:
    if not user.is_authenticated:
        return Scenario.objects.none()
    if user.is_superuser:
        return Scenario.objects.all()
    units = reading_units(user)
    if not units:
        return Scenario.objects.none()
    return Scenario.objects.filter(subtree_q(units, field="scope_unit__"))


def _within(user: User, unit: Unit, roles) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(unit.is_within(u) for u in _units(user, roles))


def can_enter(user: User, facility: Facility) -> bool:
    """Enter and import monthly figures, evidence and measured factors of the facility."""
    return _within(user, facility.unit, ENTER_ROLES)


def can_register(user: User, unit: Unit) -> bool:
    """Register and edit facilities (and their sources) of the unit: energy officers of its subtree
    and administrators."""
    return _within(user, unit, ENTER_ROLES)


def registrable_units(user: User) -> QuerySet[Unit]:
    """Units the user may register as facilities: inside their entry subtrees, not yet facilities."""
    if not user.is_authenticated:
        return Unit.objects.none()
    qs = Unit.objects.filter(carbon_facility__isnull=True)
    if user.is_superuser:
        return qs
    units = _units(user, ENTER_ROLES)
    if not units:
        return Unit.objects.none()
    return qs.filter(subtree_q(units))


def can_approve(user: User, facility: Facility) -> bool:
    return _within(user, facility.unit, APPROVE_ROLES)


def can_manage(user: User) -> bool:
    """Factor sets, recomputation, targets, facilities: administrators (any unit) only."""
    return user.is_authenticated and (user.is_superuser or bool(_units(user, (Role.ADMINISTRATOR,))))


def can_prepare_report(user: User, entity: Unit) -> bool:
    return _within(user, entity, (Role.ENERGY_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR))


def can_verify(user: User, entity: Unit) -> bool:
    """The verifier post (核查员) over the entity: records findings and verifies."""
    if not user.is_authenticated:
        return False
    return any(entity.is_within(v.unit) for v in Verifier.objects.filter(user=user).select_related("unit"))

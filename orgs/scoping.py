"""Who sees which units and people. The one place for these filters (DESIGN §3)."""

from __future__ import annotations

from django.db.models import QuerySet

from orgs.choices import STAFF_ADMIN_ROLES
from orgs.models import Unit, User, subtree_q


def admin_units_of(user: User) -> list[Unit]:
    """Units whose subtree ``user`` may administer (create people, assign roles)."""
    if user.is_superuser:
        return list(Unit.objects.filter(parent__isnull=True))
    return user.units_with(*STAFF_ADMIN_ROLES)


def administers(user: User, unit: Unit) -> bool:
    """True if ``user`` may administer people and roles of ``unit`` (its subtree included).

    The predicate behind both the services' refusals and the buttons pages show."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(unit.is_within(u) for u in admin_units_of(user))


def administers_anyone(user: User) -> bool:
    """May ``user`` open the people pages at all (unit leaders, administrators)?"""
    return user.is_authenticated and (user.is_superuser or bool(admin_units_of(user)))


def administered_units(user: User) -> QuerySet[Unit]:
    """Every unit in the subtrees ``user`` administers: the choices of unit pickers."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    units = admin_units_of(user)
    if not units:
        return Unit.objects.none()
    return Unit.objects.subtrees_of(units)


def units_visible_to(user: User) -> QuerySet[Unit]:
    """Every logged-in person may read the organization tree (it is not confidential)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.all()


def people_visible_to(user: User) -> QuerySet[User]:
    """People whose home unit lies in a subtree the user administers; administrators see all."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    units = admin_units_of(user)
    if not units:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(subtree_q(units, field="home_unit__"))

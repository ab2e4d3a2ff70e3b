"""Who sees and does what in the engagement module: one scoping function per record kind, used by
pages and exports alike (DESIGN §3). Roles reach their unit's subtree, as in the petition core."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from engagement.choices import CaseState, QuestionState
from engagement.models import (
    Attempt,
    Exam,
    LibraryCase,
    Meeting,
    Question,
    ScreeningEntry,
    ScreeningRound,
    VisitLog,
    VisitPlan,
)
from orgs.choices import Role
from orgs.models import RoleAssignment, Unit, User, subtree_q

# Staff of the module: petition work and the leaders and party officers who chair the meetings.
STAFF_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR, Role.PARTY_OFFICER)
# Who may answer the Q&A board and write teaching cases: petition and policy staff.
ANSWER_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR, Role.HANDLER, Role.PARTY_OFFICER)
# Who may approve (review) answers, de-identified cases and short answers: desk staff and leaders.
REVIEW_ROLES = (Role.PETITION_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR)
# Who is tested: petition staff.
TESTED_ROLES = (Role.PETITION_OFFICER, Role.HANDLER)


def holds(user: User, roles: tuple[str, ...], unit: Unit | None) -> bool:
    """``user`` holds one of ``roles`` at ``unit`` or above it."""
    if unit is None or user is None or not user.is_authenticated:
        return False
    return user.is_superuser or any(user.has_role(r, unit) for r in roles)


def is_staff(user: User, unit: Unit) -> bool:
    return holds(user, STAFF_ROLES, unit)


def staff_anywhere(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user.units_with(*STAFF_ROLES)))


def _staff_q(user: User, field: str = "unit__", roles: tuple[str, ...] = STAFF_ROLES) -> Q:
    units = user.units_with(*roles)
    return subtree_q(units, field) if units else Q(pk__in=[])


def staff_units(user: User, roles: tuple[str, ...] = STAFF_ROLES) -> QuerySet[Unit]:
    """The units whose records ``user`` manages (the choices of unit pickers)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    units = user.units_with(*roles)
    return Unit.objects.filter(subtree_q(units)) if units else Unit.objects.none()


# --------------------------------------------------------------------------- per record kind


def questions_visible_to(user: User, qs: QuerySet[Question] | None = None) -> QuerySet[Question]:
    """Published answers to every logged-in person; one's own questions; staff their subtree's."""
    qs = Question.objects.all() if qs is None else qs
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(Q(state=QuestionState.PUBLISHED) | Q(asker=user) | _staff_q(user, roles=ANSWER_ROLES))


def cases_visible_to(user: User, qs: QuerySet[LibraryCase] | None = None) -> QuerySet[LibraryCase]:
    """Staff of the source unit's line see its cases (drafts included, to de-identify and review);
    staff of a unit the case was shared to see it once approved. Nobody else."""
    qs = LibraryCase.objects.all() if qs is None else qs
    if not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    units = user.units_with(*ANSWER_ROLES)
    if not units:
        return qs.none()
    # A share to a unit reaches that unit's subtree: a share to the company reaches its mines.
    ancestors_or_self = {u.path[:i] for u in units for i in range(4, len(u.path) + 1, 4)}
    shared = Q(state=CaseState.APPROVED, shares__unit__path__in=sorted(ancestors_or_self))
    own = subtree_q(units, "unit__")
    return qs.filter(pk__in=LibraryCase.objects.filter(own | shared).values("pk"))


def plans_visible_to(user: User) -> QuerySet[VisitPlan]:
    if not user.is_authenticated:
        return VisitPlan.objects.none()
    if user.is_superuser:
        return VisitPlan.objects.all()
    return VisitPlan.objects.filter(
        Q(pk__in=VisitPlan.objects.filter(_staff_q(user)).values("pk"))
        | Q(pk__in=VisitPlan.objects.filter(assignments__cadre=user).values("pk"))
    )


def visit_logs_visible_to(user: User) -> QuerySet[VisitLog]:
    if not user.is_authenticated:
        return VisitLog.objects.none()
    if user.is_superuser:
        return VisitLog.objects.all()
    return VisitLog.objects.filter(_staff_q(user) | Q(cadre=user) | _staff_q(user, "assignment__plan__unit__"))


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    if not user.is_authenticated:
        return Meeting.objects.none()
    if user.is_superuser:
        return Meeting.objects.all()
    involved = Q(pk__in=Meeting.objects.filter(Q(attendance__person=user) | Q(decisions__owner=user)).values("pk"))
    return Meeting.objects.filter(_staff_q(user) | Q(chair=user) | involved)


def screening_visible_to(user: User) -> QuerySet[ScreeningEntry]:
    if not user.is_authenticated:
        return ScreeningEntry.objects.none()
    if user.is_superuser:
        return ScreeningEntry.objects.all()
    return ScreeningEntry.objects.filter(_staff_q(user) | Q(responsible=user))


def rounds_visible_to(user: User) -> QuerySet[ScreeningRound]:
    if not user.is_authenticated:
        return ScreeningRound.objects.none()
    if user.is_superuser:
        return ScreeningRound.objects.all()
    return ScreeningRound.objects.filter(_staff_q(user))


def exams_visible_to(user: User) -> QuerySet[Exam]:
    if not user.is_authenticated:
        return Exam.objects.none()
    if user.is_superuser:
        return Exam.objects.all()
    return Exam.objects.filter(
        Q(pk__in=Exam.objects.filter(_staff_q(user)).values("pk"))
        | Q(pk__in=Exam.objects.filter(attempts__person=user).values("pk"))
    )


def attempts_visible_to(user: User) -> QuerySet[Attempt]:
    if not user.is_authenticated:
        return Attempt.objects.none()
    if user.is_superuser:
        return Attempt.objects.all()
    return Attempt.objects.filter(Q(person=user) | _staff_q(user, roles=REVIEW_ROLES))


def staff_people(user: User) -> QuerySet[User]:
    """People who hold a post (any role but plain employee) in the units ``user`` manages: the
    choices of cadre, owner, responsible-person and attendee pickers."""
    posts = RoleAssignment.objects.filter(unit__in=staff_units(user)).exclude(role=Role.EMPLOYEE)
    return (User.objects.filter(is_active=True, pk__in=posts.values("user_id"))
            .select_related("home_unit").order_by("home_unit__path", "employee_no"))

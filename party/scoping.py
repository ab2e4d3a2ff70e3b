"""Who sees and manages which party records: the one place for these filters (DESIGN §3).

* administrators (and superusers) manage the whole party tree;
* a 党务干事 (orgs Role party_officer) manages every party organization covering a unit of their
  subtree, with everything below it;
* a secretary, deputy, 组织委员 or 组织员 of an organization (CommitteePost, still in office)
  manages that organization's subtree;
* every member reads their own record, their own branch and their own meetings, dues and file.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from orgs.choices import Role
from orgs.models import User, subtree_q
from party.models import (
    MANAGING_POSTS,
    CommitteePost,
    Member,
    PartyOrg,
    org_subtree_q,
)


def managed_roots(user: User) -> list[PartyOrg]:
    """The organizations whose subtrees ``user`` manages (cached on the user instance)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_party_roots", None)
    if cached is not None:
        return cached
    if user.is_administrator:
        roots = list(PartyOrg.objects.filter(parent__isnull=True))
    else:
        roots = []
        units = user.units_with(Role.PARTY_OFFICER)
        if units:
            roots += list(PartyOrg.objects.filter(subtree_q(units, field="units__")).distinct())
        post_orgs = CommitteePost.objects.filter(person=user, end__isnull=True, post__in=MANAGING_POSTS)
        roots += list(PartyOrg.objects.filter(pk__in=post_orgs.values("org_id")))
    user._party_roots = roots
    return roots


def manages_any(user: User) -> bool:
    return bool(managed_roots(user))


def manages(user: User, org: PartyOrg) -> bool:
    return any(org.is_within(r) for r in managed_roots(user))


def managed_orgs(user: User) -> QuerySet[PartyOrg]:
    roots = managed_roots(user)
    if not roots:
        return PartyOrg.objects.none()
    return PartyOrg.objects.filter(org_subtree_q(roots))


def own_member(user: User) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(person=user).select_related("branch").first()


def orgs_visible_to(user: User) -> QuerySet[PartyOrg]:
    """Organizations a user may read: the managed subtrees and their own branch."""
    if not getattr(user, "is_authenticated", False):
        return PartyOrg.objects.none()
    roots = managed_roots(user)
    q = org_subtree_q(roots) if roots else Q(pk__in=[])
    q |= Q(pk__in=Member.objects.filter(person=user).values("branch_id"))
    return PartyOrg.objects.filter(q)


def _scoped(qs: QuerySet, user: User, org_field: str, person_field: str | None) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    roots = managed_roots(user)
    q = org_subtree_q(roots, field=f"{org_field}__") if roots else Q(pk__in=[])
    if person_field:
        q |= Q(**{person_field: user})
    return qs.filter(q)


def members_visible_to(user: User) -> QuerySet[Member]:
    return _scoped(Member.objects.all(), user, "branch", "person")


def records_visible_to(user: User, qs: QuerySet, org_field: str, person_field: str | None = None) -> QuerySet:
    """Any party record kind: ``org_field`` names its PartyOrg, ``person_field`` its own person
    (who always sees their own record). Every page, API endpoint and export goes through here."""
    return _scoped(qs, user, org_field, person_field)


def letters_visible_to(user: User) -> QuerySet:
    """A transfer letter concerns both branches: either end's manager sees it; the member their own."""
    from party.models import TransferLetter

    if not getattr(user, "is_authenticated", False):
        return TransferLetter.objects.none()
    roots = managed_roots(user)
    q = Q(member__person=user)
    if roots:
        q |= org_subtree_q(roots, field="from_org__") | org_subtree_q(roots, field="to_org__")
    return TransferLetter.objects.filter(q)


def dev_files_visible_to(user: User) -> QuerySet:
    """Development files: the branch's managers, and the applicant their own."""
    from party.models import DevFile

    return _scoped(DevFile.objects.all(), user, "branch", "person")


def meetings_visible_to(user: User) -> QuerySet:
    """Meetings: the organization's managers, and every member expected at it."""
    from party.models import Attendance, Meeting

    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.none()
    roots = managed_roots(user)
    q = Q(pk__in=Attendance.objects.filter(member__person=user).values("meeting_id"))
    if roots:
        q |= org_subtree_q(roots, field="org__")
    return Meeting.objects.filter(q)


def dues_visible_to(user: User) -> QuerySet:
    """Dues rows: the branch's managers, and each member their own."""
    from party.models import DuesAssessment

    return _scoped(DuesAssessment.objects.all(), user, "branch", "member__person")

"""The party organization tree: creation, committees and posts, structure checks (org.*)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput, NotAllowed
from orgs.models import Unit, User
from party.dates import add_months, add_years
from party.models import (
    BRANCH_KINDS,
    CommitteePost,
    CommitteeTerm,
    Member,
    MemberStatus,
    OrgKind,
    PartyOrg,
    PostKind,
)
from party.rules import rule
from party.scoping import manages

SEGMENT = 4
# Which kinds may sit under which (None: a root).
PARENT_KINDS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.JOINT_BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.GROUP: {OrgKind.BRANCH, OrgKind.JOINT_BRANCH},
}


def _next_path(parent: PartyOrg | None) -> str:
    prefix = parent.path if parent else ""
    siblings = PartyOrg.objects.filter(parent=parent).order_by("-path").values_list("path", flat=True)
    last = siblings.first()
    n = int(last[-SEGMENT:]) + 1 if last else 1
    if n >= 10**SEGMENT:
        raise InvalidInput("party.org.too_many_children", _("下级党组织过多"))
    return prefix + str(n).zfill(SEGMENT)


@transaction.atomic
def org_create(*, code: str, name: str, kind: str, parent: PartyOrg | None, units: list[Unit] | None = None,
               actor: User | None = None, established_on: date | None = None) -> PartyOrg:
    """Create an organization under ``parent`` (an actor, if given, must manage the parent)."""
    if kind not in PARENT_KINDS:
        raise InvalidInput("party.org.kind", _("组织类别无效"))
    parent_kind = parent.kind if parent else None
    if parent_kind not in PARENT_KINDS[kind]:
        raise InvalidInput("party.org.parent_kind", _("该类别的党组织不能设在此上级组织之下"))
    if actor is not None and not (manages(actor, parent) if parent else actor.is_administrator):
        raise NotAllowed("party.not_allowed", _("您无权管理该党组织"))
    if PartyOrg.objects.filter(code=code).exists():
        raise InvalidInput("party.org.code_taken", _("组织代码已被使用"))
    org = PartyOrg.objects.create(
        code=code, name=name, kind=kind, parent=parent, path=_next_path(parent),
        depth=(parent.depth + 1) if parent else 0, established_on=established_on,
    )
    if units:
        org.units.set(units)
    audit_record(actor=actor, action="party.org.create", target=org, data={"kind": kind, "code": code})
    return org


def term_end(term: CommitteeTerm) -> date:
    end = add_years(term.elected_on, term.term_years)
    return max(end, term.extended_until) if term.extended_until else end


def current_term(org: PartyOrg) -> CommitteeTerm | None:
    return org.terms.order_by("-elected_on", "-id").first()


@transaction.atomic
def term_record(*, org: PartyOrg, elected_on: date, entitled_voters: int, attending_voters: int,
                actor: User | None, term_years: int | None = None, filed_on: date | None = None,
                approved_on: date | None = None) -> CommitteeTerm:
    """Record an election (换届). The term length comes from org.term unless given."""
    r = rule("org.term", elected_on)
    if term_years is None:
        key = {OrgKind.COMMITTEE: "committee_years", OrgKind.GENERAL_BRANCH: "general_branch_years"}
        term_years = int(r[key.get(org.kind, "branch_years")])
    if attending_voters > entitled_voters or entitled_voters < 1:
        raise InvalidInput("party.term.voters", _("实到会人数不能超过应到会人数"))
    term = CommitteeTerm.objects.create(
        org=org, elected_on=elected_on, term_years=term_years, entitled_voters=entitled_voters,
        attending_voters=attending_voters, filed_on=filed_on, approved_on=approved_on,
        rule_version=f"{r.stamp};{rule('org.election', elected_on).stamp}",
    )
    # The previous term's posts end with the election.
    CommitteePost.objects.filter(org=org, end__isnull=True).exclude(term=term).update(end=elected_on)
    audit_record(actor=actor, action="party.org.election", target=org,
                 data={"elected_on": elected_on, "term_years": term_years,
                       "entitled": entitled_voters, "attending": attending_voters})
    return term


@transaction.atomic
def term_extend(*, term: CommitteeTerm, until: date, approval: str, actor: User | None) -> CommitteeTerm:
    """Extend a term with the higher organization's approval (≤ org.term extension_years)."""
    r = rule("org.term", term.elected_on)
    normal_end = add_years(term.elected_on, term.term_years)
    limit = add_years(normal_end, int(r["extension_years"]))
    if not approval.strip():
        raise InvalidInput("party.term.approval", _("延期须注明上级党组织的批准"))
    if until <= normal_end or until > limit:
        raise InvalidInput("org.term", _("延期至%(limit)s为止（届满后最多延长%(years)s年）")
                           % {"limit": limit, "years": r["extension_years"]})
    term.extended_until, term.extension_approval = until, approval.strip()
    term.save(update_fields=["extended_until", "extension_approval"])
    audit_record(actor=actor, action="party.org.term_extend", target=term.org, data={"until": until})
    return term


@transaction.atomic
def post_assign(*, term: CommitteeTerm, person: User, post: str, start: date, actor: User | None) -> CommitteePost:
    if post not in PostKind.values:
        raise InvalidInput("party.post.kind", _("职务无效"))
    if post in (PostKind.SECRETARY, PostKind.DEPUTY):
        CommitteePost.objects.filter(org=term.org, post=post, end__isnull=True).update(end=start)
    cp = CommitteePost.objects.create(term=term, org=term.org, person=person, post=post, start=start)
    audit_record(actor=actor, action="party.org.post_assign", target=term.org,
                 data={"person": person.employee_no, "post": post})
    return cp


# --- checks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    code: str
    level: str  # error / warning / flag / ok
    message: str
    stamp: str


def _counts(org: PartyOrg) -> tuple[int, int, int]:
    """(full members of the branch, all active members of the branch, active members of the subtree)."""
    own = Member.objects.filter(branch=org).aggregate(
        full=Count("id", filter=Q(status=MemberStatus.FULL)),
        active=Count("id", filter=Q(status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY))),
    )
    subtree = Member.objects.filter(
        branch__path__gte=org.path, branch__path__lt=str(int(org.path) + 1).zfill(len(org.path)),
        status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY),
    ).count()
    return own["full"], own["active"], subtree


def org_checks(org: PartyOrg, today: date, *, counts: tuple[int, int, int] | None = None,
               term: CommitteeTerm | None | bool = False, units: int | None = None) -> list[Finding]:
    """The structure checks of one organization; the caller may pass pre-computed figures."""
    full, active, subtree = counts if counts is not None else _counts(org)
    if term is False:
        term = current_term(org)
    out: list[Finding] = []
    if org.kind in BRANCH_KINDS:
        r = rule("org.branch_min", today)
        if full < r["full_members"]:
            out.append(Finding(r.code, "error", _("正式党员%(n)s人，少于%(min)s人：应与其他单位组成联合党支部")
                               % {"n": full, "min": r["full_members"]}, r.stamp))
        if org.kind == OrgKind.JOINT_BRANCH:
            n_units = units if units is not None else org.units.count()
            if n_units > r["joint_max_units"]:
                out.append(Finding(r.code, "error", _("联合党支部覆盖%(n)s个单位，超过%(max)s个")
                                   % {"n": n_units, "max": r["joint_max_units"]}, r.stamp))
        cap = rule("org.branch_soft_cap", today)
        if active > cap["members"]:
            out.append(Finding(cap.code, "warning", _("党员%(n)s人，超过%(cap)s人：可考虑设立党总支")
                               % {"n": active, "cap": cap["members"]}, cap.stamp))
        c = rule("org.committee_required", today)
        committee = 0
        has_secretary = False
        if term is not None:
            posts = [p.post for p in term.posts.all() if p.end is None]
            committee = sum(1 for p in posts if p != PostKind.GROUP_LEADER)
            has_secretary = PostKind.SECRETARY in posts
        if full >= c["full_members"]:
            if committee < c["min"] or committee > c["max"]:
                out.append(Finding(c.code, "error", _("正式党员%(n)s人，应设支部委员会（%(lo)s–%(hi)s人），现有委员%(k)s人")
                                   % {"n": full, "lo": c["min"], "hi": c["usual_max"], "k": committee}, c.stamp))
            elif committee > c["usual_max"]:
                out.append(Finding(c.code, "warning", _("支部委员会%(k)s人，一般为%(lo)s–%(hi)s人")
                                   % {"k": committee, "lo": c["min"], "hi": c["usual_max"]}, c.stamp))
        elif not has_secretary:
            out.append(Finding(c.code, "error", _("正式党员不足%(n)s人，不设支委会，但应设书记")
                               % {"n": c["full_members"]}, c.stamp))
    t = rule("org.type_by_size", today)
    if not org.size_approval:
        if subtree >= t["committee"] and org.kind != OrgKind.COMMITTEE and org.kind != OrgKind.GROUP:
            out.append(Finding(t.code, "warning", _("党员%(n)s人，达到%(m)s人，一般应设党委")
                               % {"n": subtree, "m": t["committee"]}, t.stamp))
        elif org.kind == OrgKind.COMMITTEE and subtree < t["committee"]:
            out.append(Finding(t.code, "warning", _("党员%(n)s人，不足%(m)s人设党委须经批准")
                               % {"n": subtree, "m": t["committee"]}, t.stamp))
        elif org.kind in BRANCH_KINDS and subtree >= t["general_branch"]:
            out.append(Finding(t.code, "warning", _("党员%(n)s人，%(lo)s–%(hi)s人一般设党总支")
                               % {"n": subtree, "lo": t["general_branch"], "hi": t["committee"]}, t.stamp))
    if org.kind != OrgKind.GROUP:
        out += term_findings(term, today)
    return out


def term_findings(term: CommitteeTerm | None, today: date) -> list[Finding]:
    r = rule("org.term", today)
    if term is None:
        return [Finding(r.code, "flag", _("未录入届次，无法判断换届时间"), r.stamp)]
    out = []
    end = term_end(term)
    if end < today:
        out.append(Finding(r.code, "flag", _("任期已于%(end)s届满，应换届") % {"end": end}, r.stamp))
    elif end <= add_months(today, 6):
        out.append(Finding(r.code, "warning", _("任期将于%(end)s届满，请筹备换届") % {"end": end}, r.stamp))
    e = rule("org.election", term.elected_on)
    if term.attending_voters * 5 <= term.entitled_voters * 4:
        out.append(Finding(e.code, "error", _("选举时到会%(a)s人/应到%(b)s人，未超过五分之四")
                           % {"a": term.attending_voters, "b": term.entitled_voters}, e.stamp))
    if term.filed_on is None or term.approved_on is None:
        out.append(Finding(e.code, "warning", _("委员备案或书记、副书记批准尚未登记"), e.stamp))
    return out


def elections_due(orgs, today: date, within_days: int = 180) -> list[tuple[PartyOrg, date]]:
    """Organizations whose current term ends within ``within_days`` (or already ended)."""
    horizon = today + timedelta(days=within_days)
    latest: dict[int, CommitteeTerm] = {}
    for term in CommitteeTerm.objects.filter(org__in=orgs).order_by("org_id", "elected_on", "id"):
        latest[term.org_id] = term
    out = []
    for org in orgs:
        term = latest.get(org.pk)
        if term is not None and term_end(term) <= horizon:
            out.append((org, term_end(term)))
    return sorted(out, key=lambda x: x[1])


def branch_counts(org_ids: list[int]) -> dict[int, Counter]:
    """Active member counts by branch and status, one query."""
    out: dict[int, Counter] = {}
    rows = (Member.objects.filter(branch_id__in=org_ids).values("branch_id", "status")
            .annotate(n=Count("id")))
    for row in rows:
        out.setdefault(row["branch_id"], Counter())[row["status"]] = row["n"]
    return out

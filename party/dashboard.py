"""The 党委 dashboard: a handful of grouped queries over an organization's subtree (none when the
organization is a root: the whole tree), folded in Python. Every figure names the drill-down that
lists the records behind it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from party.dates import add_months, month_key
from party.development import STAGES, stage_of
from party.life import RULE_OF
from party.models import (
    ACTIVE_STATUSES,
    DevFile,
    DevState,
    DuesAssessment,
    Education,
    Meeting,
    MeetingKind,
    Member,
    MemberStatus,
    PartyOrg,
    PostCategory,
    org_subtree_q,
)
from party.rules import rule

AGE_BANDS = [(0, 35, "≤35"), (36, 45, "36–45"), (46, 55, "46–55"), (56, 200, "≥56")]


def _in(org: PartyOrg, field: str) -> Q:
    return Q() if org.parent_id is None else org_subtree_q([org], field=field)


def drill(org: PartyOrg, fig: str, key: str) -> str:
    return reverse("party:drill") + "?" + urlencode({"org": org.pk, "fig": fig, "key": key})


def _band_q(lo: int, hi: int, today: date) -> Q:
    """Born in a year that makes the member lo–hi years old this year."""
    return Q(birth_date__gt=date(today.year - hi - 1, 12, 31), birth_date__lte=date(today.year - lo, 12, 31))


def last_periods(today: date) -> dict[str, tuple[date, date]]:
    """The last completed month and quarter, and the year so far."""
    m_end = today.replace(day=1) - timedelta(days=1)
    q = (today.month - 1) // 3
    q_start = date(today.year, 1 + 3 * q, 1)
    q_end = q_start - timedelta(days=1)
    qs = add_months(q_start, -3)
    return {"month": (m_end.replace(day=1), m_end), "quarter": (qs, q_end), "year": (date(today.year, 1, 1), today)}


def _band_of(age: int) -> str:
    return next((label for lo, hi, label in AGE_BANDS if lo <= age <= hi), "")


def member_figures(org: PartyOrg, today: date, *, live: bool = False) -> tuple[Counter, Counter, Counter, Counter]:
    """Active members by status, education, post category and age band: from the tally of a
    党委/党总支 corrected for the members changed since (party.tally), else one live grouped scan."""
    from party.tally import member_counts

    counts = None if live else member_counts(org)
    if counts is not None:
        status, edu, post, age = Counter(), Counter(), Counter(), Counter()
        for (dim, key), n in counts.items():
            if dim == "status":
                status[key] += n
            elif dim == "education":
                edu[key] += n
            elif dim == "post":
                post[key] += n
            elif dim == "birth_year":
                age[_band_of(today.year - int(key)) if key else ""] += n
        return status, edu, post, age
    return _live_member_figures(org, today)


def _live_member_figures(org: PartyOrg, today: date) -> tuple[Counter, Counter, Counter, Counter]:
    # one grouped scan; age bands as conditional counts (no per-row function on SQLite)
    bands = {label: _band_q(lo, hi, today) for lo, hi, label in AGE_BANDS}
    rows = (Member.objects.filter(_in(org, "branch__"), status__in=ACTIVE_STATUSES)
            .values("status", "education", "post_category")
            .annotate(n=Count("*"), **{f"age{i}": Count("status", filter=q) for i, q in enumerate(bands.values())}))
    status, edu, post, age = Counter(), Counter(), Counter(), Counter()
    for r in rows:
        status[r["status"]] += r["n"]
        edu[r["education"] or ""] += r["n"]
        post[r["post_category"] or ""] += r["n"]
        known = 0
        for i, label in enumerate(bands):
            age[label] += r[f"age{i}"]
            known += r[f"age{i}"]
        age[""] += r["n"] - known
    return status, edu, post, age


def board(org: PartyOrg, today: date, *, live: bool = False) -> dict:
    """Every figure of the dashboard; ``live`` counts the members without the tally (tests)."""
    branches = PartyOrg.objects.filter(_in(org, ""), kind__in=("branch", "joint_branch"), is_active=True).count()
    status, edu, post, age = member_figures(org, today, live=live)
    total = sum(status.values())
    # compliance: branches that held each kind in its last completed period
    periods = last_periods(today)
    compliance = []
    for kind in MeetingKind:
        if kind == MeetingKind.GROUP:
            continue
        r = rule(RULE_OF[kind.value], today)
        start, end = periods[r["period"]]
        # COUNT(*): PostgreSQL answers from the covering (kind, held_on, org) index alone (COUNT(id)
        # read every row). One query per kind: a UNION ALL of them was slower on SQLite, equal on PostgreSQL.
        held = (Meeting.objects.filter(_in(org, "org__"), kind=kind.value, held_on__gte=start, held_on__lte=end)
                .values("org_id").annotate(n=Count("*")).filter(n__gte=int(r["min"])).count())
        compliance.append({"kind": kind.value, "label": str(kind.label), "done": held, "missed": max(branches - held, 0),
                           "period": f"{start:%Y-%m-%d}–{end:%Y-%m-%d}", "stamp": r.stamp,
                           "url": drill(org, "missed", kind.value), "done_url": drill(org, "done", kind.value)})
    # dues of the current month
    month = month_key(today)
    # counting an indexed column, not id: PostgreSQL can then answer from the covering (month, branch, due, paid,
    # paid_on) index alone
    d = DuesAssessment.objects.filter(_in(org, "branch__"), month=month).aggregate(
        due=Sum("due"), paid=Sum("paid"), n=Count("*"), unpaid=Count("month", filter=Q(paid_on__isnull=True)))
    # development pipeline by stage
    stages = Counter()
    for step, n in (DevFile.objects.filter(_in(org, "branch__"), state__in=(DevState.ACTIVE, DevState.PROBATION))
                    .values_list("current_step").annotate(n=Count("id"))):
        stages[stage_of(max(step, 1))] += n
    return {
        "total": total, "branches": branches, "month": month, "branches_url": drill(org, "branches", ""),
        "paid_url": drill(org, "paid", month),
        "status": [{"key": k, "label": str(label), "n": status[k], "url": drill(org, "status", k)}
                   for k, label in MemberStatus.choices if k in ACTIVE_STATUSES],
        "education": [{"key": k, "label": str(label), "n": edu[k], "url": drill(org, "education", k)}
                      for k, label in [*Education.choices, ("", _("未填"))]],
        "post": [{"key": k, "label": str(label), "n": post[k], "url": drill(org, "post", k)}
                 for k, label in [*PostCategory.choices, ("", _("未填"))]],
        "front_line_share": round(100 * post[PostCategory.FRONT_LINE] / total, 1) if total else 0,
        "age": [{"key": label, "label": label or _("未填"), "n": age[label], "url": drill(org, "age", label)}
                for _lo, _hi, label in [*AGE_BANDS, (0, 0, "")]],
        "compliance": compliance,
        "dues": {"due": d["due"] or 0, "paid": d["paid"] or 0, "n": d["n"], "unpaid": d["unpaid"],
                 "url": drill(org, "unpaid", month)},
        "stages": [{"key": str(n), "label": str(label), "n": stages[n], "url": drill(org, "stage", str(n))}
                   for n, label, _s in STAGES],
    }


def drill_records(org: PartyOrg, fig: str, key: str, today: date, members, dev_files, dues):
    """The records behind one figure, through the caller's scoped querysets. Returns (kind, qs)."""
    members = members.filter(_in(org, "branch__"), status__in=ACTIVE_STATUSES).select_related("person", "branch")
    if fig == "status":
        return "members", members.filter(status=key)
    if fig == "education":
        return "members", members.filter(education=key)
    if fig == "post":
        return "members", members.filter(post_category=key)
    if fig == "age":
        for lo, hi, label in AGE_BANDS:
            if label == key:
                return "members", members.filter(_band_q(lo, hi, today))
        return "members", members.filter(birth_date__isnull=True)
    if fig == "stage" and key.isdigit():
        steps = next((s for n, _label, s in STAGES if str(n) == key), ())
        qs = dev_files.filter(_in(org, "branch__"), state__in=(DevState.ACTIVE, DevState.PROBATION))
        stage_steps = list(steps) + ([0] if key == "1" else [])
        return "dev", qs.filter(current_step__in=stage_steps).select_related("person", "branch")
    if fig == "unpaid":
        return "dues", dues.filter(_in(org, "branch__"), month=key, paid_on__isnull=True).select_related(
            "member__person", "branch")
    if fig == "paid":
        return "dues", dues.filter(_in(org, "branch__"), month=key, paid_on__isnull=False).select_related(
            "member__person", "branch")
    if fig == "branches":
        return "orgs", PartyOrg.objects.filter(_in(org, ""), kind__in=("branch", "joint_branch"), is_active=True)
    if fig in ("missed", "done") and key in RULE_OF:
        r = rule(RULE_OF[key], today)
        start, end = last_periods(today)[r["period"]]
        met = (Meeting.objects.filter(kind=key, held_on__gte=start, held_on__lte=end).values("org_id")
               .annotate(n=Count("id")).filter(n__gte=int(r["min"])).values("org_id"))
        branches = PartyOrg.objects.filter(_in(org, ""), kind__in=("branch", "joint_branch"), is_active=True)
        return "orgs", branches.filter(pk__in=met) if fig == "done" else branches.exclude(pk__in=met)
    return "members", members.none()


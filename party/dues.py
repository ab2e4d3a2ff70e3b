"""Party dues (党费): the bracket rates on the type-specific base (party-rules.md §5), the monthly
run for a whole group, collection and back payment, hardship reductions approved one level up,
arrears flags at 3 and 6 months, the yearly base review, and the .xlsx ledgers. Decimal only."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import User
from party.dates import add_years, month_key, month_start, shift_month
from party.members import require_manager
from party.models import (
    ACTIVE_STATUSES,
    DuesAssessment,
    DuesKind,
    DuesReduction,
    Member,
    PartyOrg,
    org_subtree_q,
)
from party.rules import Rule, rule
from party.scoping import manages

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BASED = {DuesKind.SALARIED: "dues.salaried", DuesKind.ANNUAL: "dues.salaried", DuesKind.RETIRED: "dues.retired"}
BATCH = 2000


def _month(text: str) -> str:
    try:
        d = month_start(text)
    except (ValueError, TypeError):
        raise InvalidInput("party.dues.month", _("月份应为YYYY-MM")) from None
    return month_key(d)


def rate_for(base: Decimal, r: Rule) -> Decimal:
    """The rate of the bracket ``base`` falls in (upper bounds inclusive; the whole amount)."""
    for upper, rate in r["brackets"]:
        if upper is None or base <= Decimal(str(upper)):
            return Decimal(str(rate))
    raise ValueError("bracket table without an open top")


@dataclass(frozen=True)
class Amount:
    amount: Decimal
    rate: Decimal | None
    stamp: str


def dues_amount(kind: str, base: Decimal | None, on: date, rules: dict[str, Rule] | None = None) -> Amount:
    """What a member of ``kind`` with monthly ``base`` owes (never negative, cents rounded half up)."""
    get = (lambda code: rules[code]) if rules is not None else (lambda code: rule(code, on))
    if kind in BASED:
        r = get(BASED[kind])
        b = max(base or Decimal("0"), Decimal("0"))
        rate = rate_for(b, r)
        return Amount((b * rate).quantize(CENT, rounding=ROUND_HALF_UP), rate, r.stamp)
    r = get("dues.flat")
    return Amount(Decimal(str(r.value.get(kind, "0.20"))).quantize(CENT), None, r.stamp)


def _reductions(month: str) -> dict[int, Decimal]:
    out = {}
    for red in DuesReduction.objects.filter(approved_on__isnull=False, from_month__lte=month, to_month__gte=month):
        out[red.member_id] = red.monthly
    return out


def dues_run(*, month: str, actor: User | None, root: PartyOrg | None = None) -> dict[str, int]:
    """Compute and store one month's dues for every active member of the group (or of ``root``'s
    subtree). Paid rows are kept; unpaid rows are recomputed (pay changed, reduction approved).
    Idempotent: a second run changes nothing unless the data changed."""
    month = _month(month)
    if root is not None and actor is not None and not manages(actor, root):
        raise NotAllowed("party.not_allowed", _("您无权为该党组织计算党费"))
    if root is None and actor is not None and not all(
            manages(actor, top) for top in PartyOrg.objects.filter(parent__isnull=True)):
        raise NotAllowed("party.not_allowed", _("全集团党费由集团党委的党务干事或系统管理员计算"))
    on = month_start(month)
    end = shift_month(month, 1)
    rules = {code: rule(code, on) for code in ("dues.salaried", "dues.retired", "dues.flat")}
    # No status filter in SQL: on SQLite it would pick the dashboard's status index and look up every
    # row through it (6 s at 100,000 members); one plain table scan, the status checked here.
    members = Member.objects.filter(Q(joined_on__isnull=True) | Q(joined_on__lt=month_start(end)))
    if root is not None:
        members = members.filter(org_subtree_q([root], field="branch__"))
    reductions = _reductions(month)
    existing = {mid: (pk, paid, due) for mid, pk, paid, due in DuesAssessment.objects.filter(month=month).values_list(
        "member_id", "pk", "paid_on", "due")}
    tables = {code: [(None if u is None else Decimal(str(u)), Decimal(str(rt))) for u, rt in rules[code]["brackets"]]
              for code in ("dues.salaried", "dues.retired")}
    new: list[tuple] = []
    changed: list[DuesAssessment] = []
    kept = 0
    active = set(ACTIVE_STATUSES)
    for mid, branch_id, kind, base, status in members.values_list(
            "pk", "branch_id", "dues_kind", "dues_base", "status").iterator(chunk_size=5000):
        if status not in active:
            continue
        if kind in BASED:  # the same arithmetic as dues_amount, with the tables parsed once
            code = BASED[kind]
            b = base if base is not None and base > 0 else Decimal("0")
            rate = next(rt for upper, rt in tables[code] if upper is None or b <= upper)
            amount, stamp = (b * rate).quantize(CENT, rounding=ROUND_HALF_UP), rules[code].stamp
        else:
            a = dues_amount(kind, base, on, rules)
            amount, rate, stamp = a.amount, a.rate, a.stamp
        due = min(reductions.get(mid, amount), amount)
        old = existing.get(mid)
        if old is None:
            new.append((mid, month, branch_id, kind, base, rate, amount, due, stamp, False, ZERO, False))
        elif old[1] is None and old[2] != due:
            changed.append(DuesAssessment(pk=old[0], member_id=mid, month=month, branch_id=branch_id, kind=kind,
                                          base=base, rate=rate, amount=amount, due=due, rule_version=stamp))
        else:
            kept += 1
    with transaction.atomic():
        _insert(new)
        if changed:
            DuesAssessment.objects.bulk_update(changed, ["branch", "kind", "base", "rate", "amount", "due",
                                                         "rule_version"], batch_size=BATCH)
        summary = {"month": month, "created": len(new), "updated": len(changed), "kept": kept}
        audit_record(actor=actor, action="party.dues.run", target=root, data=summary)
    return summary


INSERT_FIELDS = ("member_id", "month", "branch_id", "kind", "base", "rate", "amount", "due", "rule_version",
                 "back_payment", "voluntary", "voluntary_to_centre")


def _insert(rows: list[tuple]) -> None:
    """executemany of plain tuples: at 100,000 rows a month, bulk_create's per-field SQL compilation
    costs several times the insert itself. Identifiers come from the model's metadata."""
    if not rows:
        return
    meta = DuesAssessment._meta
    qn = connection.ops.quote_name
    columns = [meta.get_field(f.removesuffix("_id")).column for f in INSERT_FIELDS]
    names, marks = ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (14 s → a few at 100,000 rows);
            # the driver's errors become Django's, as for any statement
            copy_sql = f"COPY {qn(meta.db_table)} ({names}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES ({marks})"  # nosec B608
        for i in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[i:i + BATCH])


def voluntary_part(paid: Decimal, due: Decimal, on: date) -> tuple[Decimal, bool]:
    """What is paid above the due amount is voluntary; a single voluntary payment of
    dues.central_voluntary (1000 yuan) or more goes entirely to the centre."""
    extra = max(paid - due, Decimal("0"))
    return extra, extra >= Decimal(str(rule("dues.central_voluntary", on)["amount"]))


@transaction.atomic
def dues_collect(*, assessments: QuerySet[DuesAssessment], paid_on: date, actor: User | None,
                 amounts: dict[int, Decimal] | None = None) -> int:
    """Record payments (the due amount unless given). A payment in a later month is a 补交."""
    n = 0
    for a in assessments.select_for_update(of=("self",)).select_related("branch"):
        require_manager(actor, a.branch)
        if a.paid_on is not None:
            continue
        paid = (amounts or {}).get(a.pk, a.due)
        if paid < 0:
            raise InvalidInput("party.dues.negative", _("交纳金额不能为负数"))
        a.paid, a.paid_on, a.collected_by = paid, paid_on, actor
        a.back_payment = month_key(paid_on) > a.month
        a.voluntary, a.voluntary_to_centre = voluntary_part(paid, a.due, paid_on)
        a.save(update_fields=["paid", "paid_on", "collected_by", "back_payment", "voluntary", "voluntary_to_centre"])
        n += 1
    audit_record(actor=actor, action="party.dues.collect", target=None, data={"count": n, "paid_on": paid_on})
    return n


@transaction.atomic
def reduction_request(*, member: Member, from_month: str, to_month: str, monthly: Decimal, reason: str,
                      decided_on: date, actor: User | None) -> DuesReduction:
    require_manager(actor, member.branch)
    from_month, to_month = _month(from_month), _month(to_month)
    if to_month < from_month or monthly < 0 or not reason.strip():
        raise InvalidInput("party.dues.reduction", _("请填写减免期间、减免后金额（不小于0）和理由"))
    red = DuesReduction.objects.create(member=member, from_month=from_month, to_month=to_month, monthly=monthly,
                                       reason=reason.strip(), decided_on=decided_on, requested_by=actor)
    audit_record(actor=actor, action="party.dues.reduction_request", target=member, data={"monthly": monthly})
    return red


@transaction.atomic
def reduction_approve(*, reduction: DuesReduction, on: date, actor: User) -> DuesReduction:
    """Approval one level up: the approver manages the branch's parent organization."""
    red = DuesReduction.objects.select_for_update(of=("self",)).select_related("member__branch__parent").get(pk=reduction.pk)
    parent = red.member.branch.parent
    if parent is None or not manages(actor, parent):
        raise NotAllowed("party.dues.approve", _("党费减免须由上一级党组织批准"))
    if red.approved_on is not None:
        raise InvalidState("party.dues.approved", _("已批准"))
    red.approved_by, red.approved_on = actor, on
    red.save(update_fields=["approved_by", "approved_on"])
    audit_record(actor=actor, action="party.dues.reduction_approve", target=red.member, data={"on": on})
    return red


def arrears(members: QuerySet[Member], month: str) -> list[tuple[int, int]]:
    """(member id, consecutive unpaid months) ending with ``month``, for those with ≥ the warning
    threshold (dues.arrears warn_months). One query."""
    r = rule("dues.arrears", month_start(month))
    warn = int(r["warn_months"])
    horizon = shift_month(month, -24)
    unpaid: dict[int, set[str]] = defaultdict(set)
    rows = DuesAssessment.objects.filter(member__in=members, month__gt=horizon, month__lte=month,
                                         paid_on__isnull=True, due__gt=0).values_list("member_id", "month")
    for mid, m in rows:
        unpaid[mid].add(m)
    out = []
    for mid, months in unpaid.items():
        n, cur = 0, month
        while cur in months:
            n, cur = n + 1, shift_month(cur, -1)
        if n >= warn:
            out.append((mid, n))
    return sorted(out, key=lambda x: -x[1])


def arrears_level(n: int, on: date) -> str:
    r = rule("dues.arrears", on)
    return "risk" if n >= int(r["risk_months"]) else "warn" if n >= int(r["warn_months"]) else ""


def base_review_due(members: QuerySet[Member], today: date) -> QuerySet[Member]:
    """Members whose dues base has not been reviewed within a year (yearly base review)."""
    limit = add_years(today, -1)
    return members.filter(status__in=ACTIVE_STATUSES, dues_kind__in=list(BASED)).filter(
        Q(dues_base_reviewed_on__isnull=True) | Q(dues_base_reviewed_on__lt=limit))


def collection_by_branch(assessments: QuerySet[DuesAssessment]) -> list[dict]:
    return list(assessments.values("branch_id", "branch__name").annotate(
        due=Sum("due"), paid=Sum("paid"), members=Count("id"), unpaid=Count("id", filter=Q(paid_on__isnull=True)),
    ).order_by("branch__name"))


def ledger_xlsx(assessments: QuerySet[DuesAssessment], *, summary: bool) -> bytes:
    """The branch ledger (one row per member and month) or, with ``summary``, the 党委 ledger
    (one row per branch and month)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("党费台账"))
    if summary:
        ws.append([_("党支部"), _("月份"), _("人数"), _("应交"), _("实交"), _("未交人数")])
        rows = (assessments.values("branch__name", "month").annotate(
            n=Count("id"), due=Sum("due"), paid=Sum("paid"), unpaid=Count("id", filter=Q(paid_on__isnull=True)))
            .order_by("branch__name", "month"))
        for r in rows:
            ws.append([r["branch__name"], r["month"], r["n"], r["due"], r["paid"] or Decimal("0"), r["unpaid"]])
    else:
        ws.append([_("工号"), _("姓名"), _("党支部"), _("月份"), _("类别"), _("基数"), _("比例"), _("应交"), _("实交"),
                   _("交纳日期"), _("补交"), _("规则版本")])
        for a in assessments.select_related("member__person", "branch").order_by("branch__name", "member_id",
                                                                                   "month").iterator():
            ws.append([a.member.person.employee_no, a.member.person.name, a.branch.name, a.month,
                       a.get_kind_display(), a.base, a.rate, a.due, a.paid, a.paid_on,
                       _("是") if a.back_payment else "", a.rule_version])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""Responsibility lists, the configurable branch assessment (同部署、同考核), the yearly 书记述职评议
and the 前置研究 register. Automatic items come from what the system already records; manual items
are scored by people; the system never decides a rating."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.errors import InvalidInput
from orgs.models import User
from party import life
from party.members import branch_completeness, require_manager
from party.models import (
    AssessmentResult,
    AssessmentScheme,
    DevStep,
    DuesAssessment,
    PartyOrg,
    PreResearchItem,
    ResponsibilityItem,
    SecretaryReview,
)

AUTO = {
    "life": gettext_lazy("组织生活按期开展（已结束周期的完成率）"),
    "dues": gettext_lazy("党费按月收缴（已计算月份的收缴率）"),
    "development": gettext_lazy("发展党员按期办理（未超期的步骤占比）"),
    "records": gettext_lazy("党员信息完整（完整率）"),
    "duties": gettext_lazy("责任清单事项按期完成"),
}
DEFAULT_ITEMS = [
    {"code": "life", "label": "组织生活", "weight": 30, "source": "life"},
    {"code": "dues", "label": "党费收缴", "weight": 15, "source": "dues"},
    {"code": "development", "label": "发展党员", "weight": 15, "source": "development"},
    {"code": "records", "label": "党员信息", "weight": 10, "source": "records"},
    {"code": "duties", "label": "责任清单", "weight": 10, "source": "duties"},
    {"code": "integration", "label": "党建与生产经营融合（同部署、同考核）", "weight": 20, "source": "manual"},
]


def validate_items(items: list[dict[str, Any]]) -> None:
    codes = set()
    for it in items:
        if not isinstance(it, dict) or not str(it.get("code", "")).strip() or it.get("code") in codes:
            raise InvalidInput("party.scheme.items", _("每个考核项目须有唯一的代码"))
        codes.add(it["code"])
        if it.get("source") not in (*AUTO, "manual"):
            raise InvalidInput("party.scheme.source", _("考核项目的来源无效：%(s)s") % {"s": it.get("source")})
        if Decimal(str(it.get("weight", 0))) <= 0:
            raise InvalidInput("party.scheme.weight", _("分值应大于0"))


@transaction.atomic
def scheme_create(*, name: str, year: int, items: list[dict[str, Any]] | None, actor: User | None) -> AssessmentScheme:
    items = items if items is not None else DEFAULT_ITEMS
    validate_items(items)
    s = AssessmentScheme.objects.create(name=name, year=year, items=items)
    audit_record(actor=actor, action="party.assessment.scheme", target=s, data={"items": len(items)})
    return s


def auto_values(org: PartyOrg, year: int, today: date) -> dict[str, Decimal]:
    """The shares (0–1) the automatic items read, for one branch and year."""
    out: dict[str, Decimal] = {}
    rows = life.compliance_calendar(org, year, today)
    ended = [c for r in rows for c in r.cells if c.state in ("done", "missed")]
    out["life"] = Decimal(sum(1 for c in ended if c.state == "done")) / len(ended) if ended else Decimal(1)
    d = DuesAssessment.objects.filter(branch=org, month__startswith=f"{year}-").aggregate(
        n=Count("id"), paid=Count("id", filter=Q(paid_on__isnull=False)))
    out["dues"] = Decimal(d["paid"]) / d["n"] if d["n"] else Decimal(1)
    steps = DevStep.objects.filter(file__branch=org, on__year=year).values_list("flags", flat=True)
    steps = list(steps)
    out["development"] = Decimal(sum(1 for f in steps if not f)) / len(steps) if steps else Decimal(1)
    c = branch_completeness(org)
    out["records"] = Decimal(c.complete) / c.total if c.total else Decimal(1)
    duties = ResponsibilityItem.objects.filter(org=org, year=year, due_on__lte=today)
    n = duties.count()
    done = duties.filter(done_on__isnull=False).filter(Q(done_on__lte=F("due_on"))).count() if n else 0
    out["duties"] = Decimal(done) / n if n else Decimal(1)
    return out


@transaction.atomic
def assess(*, scheme: AssessmentScheme, org: PartyOrg, manual: dict[str, Decimal], actor: User | None,
           today: date | None = None) -> AssessmentResult:
    """Score one organization: automatic items = weight × share; manual items as given (0–weight)."""
    require_manager(actor, org)
    today = today or timezone.localdate()
    values = auto_values(org, scheme.year, today)
    scores: dict[str, str] = {}
    total = Decimal(0)
    for it in scheme.items:
        weight = Decimal(str(it["weight"]))
        if it["source"] == "manual":
            given = manual.get(it["code"])
            if given is None:
                raise InvalidInput("party.assessment.manual", _("请为“%(l)s”打分") % {"l": it["label"]})
            if not (0 <= Decimal(given) <= weight):
                raise InvalidInput("party.assessment.range", _("“%(l)s”得分应在0–%(w)s之间")
                                   % {"l": it["label"], "w": weight})
            score = Decimal(given)
        else:
            score = weight * values[it["source"]]
        score = score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        scores[it["code"]] = str(score)
        total += score
    result, _created = AssessmentResult.objects.update_or_create(
        scheme=scheme, org=org, defaults={"scores": scores, "total": total, "computed_at": timezone.now(),
                                          "assessed_by": actor})
    audit_record(actor=actor, action="party.assessment.assess", target=org, data={"total": total, "scheme": scheme.pk})
    return result


@transaction.atomic
def duty_add(*, org: PartyOrg, year: int, level: str, owner: User, task: str, actor: User | None,
             due_on: date | None = None) -> ResponsibilityItem:
    require_manager(actor, org)
    if not task.strip():
        raise InvalidInput("party.duty.task", _("请填写任务"))
    item = ResponsibilityItem.objects.create(org=org, year=year, level=level, owner=owner, task=task.strip()[:300],
                                             due_on=due_on)
    audit_record(actor=actor, action="party.duty.add", target=org, data={"task": item.task, "owner": owner.employee_no})
    return item


@transaction.atomic
def duty_done(*, item: ResponsibilityItem, done_on: date, evidence: str, actor: User | None) -> ResponsibilityItem:
    require_manager(actor, item.org)
    if not evidence.strip():
        raise InvalidInput("party.duty.evidence", _("请填写完成情况和佐证材料"))
    item.done_on, item.evidence = done_on, evidence.strip()
    item.save(update_fields=["done_on", "evidence"])
    audit_record(actor=actor, action="party.duty.done", target=item.org, data={"item": item.pk})
    return item


@transaction.atomic
def review_record(*, org: PartyOrg, year: int, secretary: User, held_on: date, rating: str, notes: str,
                  actor: User | None) -> SecretaryReview:
    """The yearly 书记抓党建述职评议考核 of ``org``, recorded by the organization above it."""
    require_manager(actor, org.parent or org)
    if rating not in ("good", "fair", "average", "poor"):
        raise InvalidInput("party.review.rating", _("评议等次无效"))
    r, _c = SecretaryReview.objects.update_or_create(org=org, year=year, defaults={
        "secretary": secretary, "held_on": held_on, "rating": rating, "notes": notes})
    audit_record(actor=actor, action="party.review.record", target=org, data={"year": year, "rating": rating})
    return r


@transaction.atomic
def pre_research_record(*, org: PartyOrg, title: str, category: str, party_meeting_on: date, decision_body: str,
                        actor: User | None, decided_on: date | None = None, note: str = "") -> PreResearchItem:
    require_manager(actor, org)
    if not title.strip():
        raise InvalidInput("party.pre.title", _("请填写事项"))
    item = PreResearchItem.objects.create(org=org, title=title.strip()[:200], category=category,
                                          party_meeting_on=party_meeting_on, decision_body=decision_body,
                                          decided_on=decided_on, note=note)
    audit_record(actor=actor, action="party.pre_research.record", target=org,
                 data={"title": item.title, "order_ok": item.order_ok})
    return item


@transaction.atomic
def pre_research_decide(*, item: PreResearchItem, decided_on: date, actor: User | None) -> PreResearchItem:
    """Record the board's/management's decision date; an order violation is kept and flagged."""
    require_manager(actor, item.org)
    item.decided_on = decided_on
    item.save(update_fields=["decided_on"])
    audit_record(actor=actor, action="party.pre_research.decide", target=item.org,
                 data={"item": item.pk, "order_ok": item.order_ok})
    return item

"""Records of the engagement module: Q&A board, case library, cadre visits, stability meetings,
screening ledger, training. Workflow steps live in engagement.services; this file holds rows and
single-record invariants only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engagement.choices import (
    AttemptState,
    CaseState,
    DecisionState,
    MatterOutcome,
    MeetingKind,
    MeetingState,
    QuestionKind,
    QuestionState,
    ScreeningStatus,
    Topic,
)
from orgs.models import Unit
from petitions.choices import Category, RiskLevel
from petitions.models import Petition

USER = settings.AUTH_USER_MODEL


# --------------------------------------------------------------------------- Q&A board


class Question(models.Model):
    """A question of the employee Q&A board (网上职工问答栏)."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("提问单位"), on_delete=models.PROTECT, related_name="+")
    # Kept so the asker can read a private answer; never shown when anonymous, and dropped when an
    # anonymous question becomes a petition (an anonymous petition is tied to no account).
    asker = models.ForeignKey(USER, verbose_name=_("提问人"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    category = models.CharField(_("分类"), max_length=32, choices=Category.choices)
    title = models.CharField(_("问题"), max_length=120)
    body = models.TextField(_("详细说明"), blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=QuestionState.choices, default=QuestionState.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    answer_public = models.BooleanField(_("公开答复"), default=True)
    answered_by = models.ForeignKey(USER, verbose_name=_("答复人"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    petition = models.OneToOneField(Petition, verbose_name=_("转为信访事项"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="board_question")
    views = models.PositiveIntegerField(_("浏览次数"), default=0)
    created_at = models.DateTimeField(_("提问时间"))

    class Meta:
        verbose_name = _("职工问答")
        verbose_name_plural = _("职工问答")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "-views"], name="eng_question_state_views_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=QuestionState.CONVERTED) | Q(petition__isnull=False),
                name="eng_question_converted_has_petition",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- case library


class LibraryCase(models.Model):
    """A teaching case (典型案例) made from a closed petition, de-identified and reviewed."""

    source = models.OneToOneField(Petition, verbose_name=_("来源信访事项"), on_delete=models.PROTECT,
                                  related_name="library_case")
    unit = models.ForeignKey(Unit, verbose_name=_("来源单位"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("分类"), max_length=32, choices=Category.choices)
    title = models.CharField(_("案例标题"), max_length=120)
    summary = models.TextField(_("案情（已脱敏）"))
    handling = models.TextField(_("处理经过与结果（已脱敏）"), blank=True)
    lessons = models.JSONField(_("经验教训标签"), default=list, blank=True)
    lessons_text = models.TextField(_("经验教训"), blank=True)
    redactions = models.JSONField(_("脱敏记录"), default=dict, blank=True)  # counts per kind, never the values
    state = models.CharField(_("状态"), max_length=20, choices=CaseState.choices, default=CaseState.DRAFT)
    created_by = models.ForeignKey(USER, verbose_name=_("编写人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    reviewed_by = models.ForeignKey(USER, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class CaseShare(models.Model):
    """Permission for a sister unit (兄弟单位) to read an approved case."""

    case = models.ForeignKey(LibraryCase, on_delete=models.CASCADE, related_name="shares")
    unit = models.ForeignKey(Unit, verbose_name=_("共享单位"), on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(USER, verbose_name=_("授权人"), on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("授权时间"))

    class Meta:
        verbose_name = _("案例共享")
        verbose_name_plural = _("案例共享")
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="eng_case_share_uniq")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"


# --------------------------------------------------------------------------- cadre visits


class VisitPlan(models.Model):
    """A month's rotation of leaders and cadres to grassroots units (干部下访)."""

    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # first day of the month
    title = models.CharField(_("计划名称"), max_length=120)
    created_by = models.ForeignKey(USER, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("制定时间"))

    class Meta:
        verbose_name = _("下访计划")
        verbose_name_plural = _("下访计划")
        ordering = ["-month", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="eng_visit_plan_uniq")]

    def __str__(self) -> str:
        return self.title


class VisitAssignment(models.Model):
    """One cadre to one grassroots unit in a plan."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="assignments")
    cadre = models.ForeignKey(USER, verbose_name=_("下访干部"), on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Unit, verbose_name=_("下访单位"), on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("计划日期"))

    class Meta:
        verbose_name = _("下访安排")
        verbose_name_plural = _("下访安排")
        ordering = ["planned_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "cadre", "target"], name="eng_visit_assignment_uniq")]

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.target_id} {self.planned_on}"


class VisitLog(models.Model):
    """What happened on a visit: who, where, when, how many employees met, what was raised."""

    assignment = models.OneToOneField(VisitAssignment, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="log")
    cadre = models.ForeignKey(USER, verbose_name=_("下访干部"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("下访单位"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("下访日期"))
    place = models.CharField(_("地点"), max_length=120)
    employees_met = models.PositiveIntegerField(_("接待职工人数"))
    summary = models.TextField(_("情况摘要"))
    recorded_by = models.ForeignKey(USER, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("下访记录")
        verbose_name_plural = _("下访记录")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.visited_on}"


class VisitMatter(models.Model):
    """One matter raised during a visit; becomes a petition or a screening entry in one step."""

    log = models.ForeignKey(VisitLog, on_delete=models.CASCADE, related_name="matters")
    text = models.TextField(_("反映的问题"))
    category = models.CharField(_("分类"), max_length=32, choices=Category.choices)
    people_count = models.PositiveIntegerField(_("涉及人数"), default=1)
    outcome = models.CharField(_("处理"), max_length=20, choices=MatterOutcome.choices, default=MatterOutcome.PENDING)
    petition = models.OneToOneField(Petition, null=True, blank=True, on_delete=models.PROTECT, related_name="visit_matter")
    screening = models.OneToOneField("ScreeningEntry", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="visit_matter")

    class Meta:
        verbose_name = _("下访反映问题")
        verbose_name_plural = _("下访反映问题")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:40]


# --------------------------------------------------------------------------- stability meetings


class Meeting(models.Model):
    """A 信访维稳专题会 (monthly) or 党组织书记议稳会 (quarterly) of a unit."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("会议类别"), max_length=20, choices=MeetingKind.choices)
    period = models.CharField(_("所属期间"), max_length=10)  # "2026-11" or "2026-Q4" (tongxin.lib.kpi windows)
    scheduled_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=120)
    chair = models.ForeignKey(USER, verbose_name=_("主持人"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    state = models.CharField(_("状态"), max_length=20, choices=MeetingState.choices, default=MeetingState.SCHEDULED)
    briefing_at = models.DateTimeField(_("材料生成时间"), null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    held_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("安排人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("维稳会议")
        verbose_name_plural = _("维稳会议")
        ordering = ["-scheduled_at"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "period"], name="eng_meeting_per_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(USER, verbose_name=_("参会人"), on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("出席"), default=True)

    class Meta:
        verbose_name = _("参会情况")
        verbose_name_plural = _("参会情况")
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="eng_attendance_uniq")]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.person_id}"


class Decision(models.Model):
    """A decision of a meeting, with an owner and a deadline, tracked to done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("决定事项"))
    owner = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成期限"))
    state = models.CharField(_("状态"), max_length=10, choices=DecisionState.choices, default=DecisionState.OPEN)
    done_at = models.DateTimeField(_("落实时间"), null=True, blank=True)
    done_note = models.TextField(_("落实情况"), blank=True)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


# --------------------------------------------------------------------------- screening ledger


class ScreeningRound(models.Model):
    """A unit's monthly screening (月度排查), complete once the unit declares it done."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))  # first day of the month
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("月度排查")
        verbose_name_plural = _("月度排查")
        ordering = ["-month", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="eng_screening_round_uniq")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class ScreeningEntry(models.Model):
    """One line of the 不稳定因素排查台账."""

    round = models.ForeignKey(ScreeningRound, verbose_name=_("排查批次"), on_delete=models.PROTECT,
                              related_name="entries")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    dispute = models.CharField(_("矛盾纠纷或不稳定因素"), max_length=200)
    source = models.CharField(_("来源"), max_length=32, choices=Category.choices)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    people = models.CharField(_("涉及人员"), max_length=200, blank=True)
    people_count = models.PositiveIntegerField(_("涉及人数"), default=1)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    measures = models.TextField(_("稳控化解措施"), blank=True)
    responsible = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=ScreeningStatus.choices, default=ScreeningStatus.OPEN)
    petitions = models.ManyToManyField(Petition, verbose_name=_("关联信访事项"), blank=True, related_name="+")
    created_by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("排查台账条目")
        verbose_name_plural = _("排查台账条目")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.dispute


# --------------------------------------------------------------------------- training


class BankQuestion(models.Model):
    """A question of the bank on the petition rules. ``rule_key`` marks questions generated from
    the rule data (tongxin.lib.periods / petitions.choices): regenerated, never hand-edited."""

    topic = models.CharField(_("知识点"), max_length=20, choices=Topic.choices)
    kind = models.CharField(_("题型"), max_length=12, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    answer = models.JSONField(_("答案"), default=list, blank=True)  # option indexes; [True]/[False]; [] for short
    reference = models.TextField(_("参考答案与依据"), blank=True)
    points = models.PositiveSmallIntegerField(_("分值"), default=2)
    rule_key = models.CharField(max_length=60, blank=True, db_index=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("题库试题")
        verbose_name_plural = _("题库试题")
        ordering = ["topic", "pk"]

    def __str__(self) -> str:
        return self.stem[:40]


class Exam(models.Model):
    """An ability test (专业能力测试) assigned to petition staff of a unit's subtree."""

    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("测试名称"), max_length=120)
    period = models.CharField(_("期次"), max_length=10, blank=True)  # "2026-11" for the periodic tests
    questions = models.ManyToManyField(BankQuestion, verbose_name=_("试题"), related_name="+")
    due_on = models.DateField(_("截止日期"))
    pass_mark = models.PositiveSmallIntegerField(_("及格线（%）"), default=60)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("能力测试")
        verbose_name_plural = _("能力测试")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], condition=~Q(period=""), name="eng_exam_period_uniq"),
        ]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    person = models.ForeignKey(USER, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=12, choices=AttemptState.choices, default=AttemptState.ASSIGNED)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    max_score = models.PositiveSmallIntegerField(_("满分"), default=0)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-exam__created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["exam", "person"], name="eng_attempt_uniq")]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.person_id}"

    @property
    def percent(self) -> int | None:
        if self.score is None or not self.max_score:
            return None
        return round(100 * self.score / self.max_score)


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(BankQuestion, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(_("作答"), default=list, blank=True)  # option indexes, [bool] or [text]
    points = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)  # None: waits for a reviewer
    marked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="eng_attempt_answer_uniq")]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.question_id}"

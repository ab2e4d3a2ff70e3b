"""Statuses and codes of the engagement module, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionState(models.TextChoices):
    """Where a question of the employee Q&A board stands."""

    OPEN = "open", _("待答复")  # asked; staff have not answered yet
    IN_REVIEW = "in_review", _("答复待审核")  # answered; a reviewer must approve before anyone sees it
    PUBLISHED = "published", _("已公开答复")  # approved public answer: in the FAQ
    ANSWERED = "answered", _("已私下答复")  # approved private answer: only the asker reads it
    CONVERTED = "converted", _("已转为信访事项")  # it was a demand: became a petition (linked)


class CaseState(models.TextChoices):
    """A teaching case made from a closed petition."""

    DRAFT = "draft", _("脱敏编辑中")
    IN_REVIEW = "in_review", _("待审核")
    APPROVED = "approved", _("已审核")  # a reviewer confirmed the de-identification; shareable


class Lesson(models.TextChoices):
    """Lessons learned: tags of a teaching case."""

    SOURCE_PREVENTION = "source_prevention", _("源头预防")
    POLICY_EXPLANATION = "policy_explanation", _("政策解释到位")
    TIMELY_RESPONSE = "timely_response", _("及时回应")
    LEADER_CASE = "leader_case", _("领导包案")
    MEDIATION = "mediation", _("调解化解")
    LEGAL_CHANNEL = "legal_channel", _("引导依法维权")
    INFORMATION_DISCLOSURE = "information_disclosure", _("信息公开")
    FOLLOW_UP = "follow_up", _("回访巩固")


class MeetingKind(models.TextChoices):
    MONTHLY = "monthly", _("信访维稳专题会")  # once a month per unit (seed article)
    QUARTERLY = "quarterly", _("党组织书记议稳会")  # once a quarter per unit


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已召开")


class DecisionState(models.TextChoices):
    OPEN = "open", _("落实中")
    DONE = "done", _("已落实")


class ScreeningStatus(models.TextChoices):
    OPEN = "open", _("待化解")
    CONTROLLED = "controlled", _("已稳控")
    RESOLVED = "resolved", _("已化解")


class MatterOutcome(models.TextChoices):
    """What became of a matter raised during a cadre visit."""

    PENDING = "pending", _("待处理")
    PETITION = "petition", _("已登记为信访事项")
    SCREENING = "screening", _("已列入排查台账")
    ANSWERED = "answered", _("当场解答")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")
    SHORT = "short", _("简答题")  # marked by a reviewer


class Topic(models.TextChoices):
    """Topics of the question bank (the parts of 《信访工作条例》 staff must know)."""

    CHANNELS = "channels", _("信访渠道与登记")
    ACCEPTANCE = "acceptance", _("受理与告知")
    HANDLING = "handling", _("办理与答复")
    REVIEW = "review", _("复查复核与终结")
    PRIVACY = "privacy", _("保密与回避")
    CONDUCT = "conduct", _("信访秩序与追责")


class AttemptState(models.TextChoices):
    ASSIGNED = "assigned", _("待作答")
    SUBMITTED = "submitted", _("待阅卷")  # short answers wait for a reviewer
    SCORED = "scored", _("已评分")

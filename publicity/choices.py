"""Codes of the publicity module in one place (stable: used by models, API, exports)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewLevel(models.TextChoices):
    """三审: who signs at each level (pub.three_reviews)."""

    FIRST = "first", _("初审")  # the editor
    SECOND = "second", _("复审")  # the department head
    FINAL = "final", _("终审")  # the responsible leader


LEVEL_ORDER = [ReviewLevel.FIRST, ReviewLevel.SECOND, ReviewLevel.FINAL]


class PieceState(models.TextChoices):
    DRAFT = "draft", _("草稿")  # only the author sees it
    IN_REVIEW = "in_review", _("审核中")  # waiting for the level in Piece.stage
    RETURNED = "returned", _("退回修改")  # a reviewer sent it back; the author may revise and resubmit
    REJECTED = "rejected", _("不予采用")  # final: never published
    PUBLISHED = "published", _("已签发")  # passed all levels; on the news page unless embargoed or outside-only
    WITHDRAWN = "withdrawn", _("已撤稿")  # taken off the news page by the 宣传部 after publication (kept, audited)


class Decision(models.TextChoices):
    PASS = "pass", _("通过")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不予采用")


class PieceKind(models.TextChoices):
    """稿件体裁 (also the placement type of pub.external_ledger)."""

    NEWS = "news", _("消息")
    FEATURE = "feature", _("通讯")
    COMMENTARY = "commentary", _("评论")
    PHOTO = "photo", _("图片")
    VIDEO = "video", _("视频")


class OutletLevel(models.TextChoices):
    CENTRAL = "central", _("中央")
    PROVINCIAL = "provincial", _("省级")
    INDUSTRY = "industry", _("行业")
    GROUP = "group", _("集团")
    CITY = "city", _("市级")


class IncidentLevel(models.TextChoices):
    MAJOR = "major", _("重大")  # the highest level
    SERIOUS = "serious", _("较大")
    GENERAL = "general", _("一般")


class IncidentState(models.TextChoices):
    OPEN = "open", _("待响应")
    RESPONDED = "responded", _("已响应")
    CLOSED = "closed", _("已处置")


class PositionKind(models.TextChoices):
    WEBSITE = "website", _("网站")
    WECHAT = "wechat", _("微信公众号/视频号")
    CHANNEL = "channel", _("其他新媒体账号")
    SCREEN = "screen", _("电子屏")
    BOARD = "board", _("宣传栏/板报")
    FORUM = "forum", _("论坛/讲坛")
    LECTURE = "lecture", _("讲座/宣讲阵地")


class CampaignKind(models.TextChoices):
    LECTURE = "lecture", _("主题宣讲")  # e.g. 独立核算、分灶吃饭
    CULTURE = "culture", _("企业文化")  # e.g. 五种意识、五项活动、五大措施


class AgendaKind(models.TextChoices):
    STUDY = "study", _("专题研究意识形态工作")
    REPORT = "report", _("意识形态工作年度报告")


class ConceptKind(models.TextChoices):
    VISION = "vision", _("愿景")
    VALUES = "values", _("核心价值观")
    SAFETY = "safety", _("安全理念")
    OTHER = "other", _("其他理念")

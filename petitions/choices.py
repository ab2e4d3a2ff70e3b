"""Statuses and codes of the petition domain, in one place (taxonomy.md, xinfang-rules.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """信访渠道 (第十七条)."""

    ONLINE = "online", _("网上信访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    VISIT = "visit", _("来访")
    FAX = "fax", _("传真")
    CADRE_VISIT = "cadre_visit", _("干部下访")


class Category(models.TextChoices):
    """内容分类 — stable codes used by reports, imports, models and the API."""

    WAGES = "wages", _("工资薪酬")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险与福利")
    LABOUR_RELATIONS = "labour_relations", _("劳动关系")
    SAFETY = "safety", _("安全生产")
    OCCUPATIONAL_HEALTH = "occupational_health", _("职业健康与工伤")
    CADRE_CONDUCT = "cadre_conduct", _("干部作风与廉洁")
    HOUSING_LIVING = "housing_living", _("住房与生活后勤")
    RETIREMENT = "retirement", _("离退休待遇")
    RESTRUCTURING = "restructuring", _("企业改制与分流安置")
    LAND_SUBSIDENCE = "land_subsidence", _("征地搬迁与采空区")
    SUGGESTION = "suggestion", _("意见建议")
    OTHER = "other", _("其他")


class PetitionType(models.TextChoices):
    """性质."""

    REQUEST = "request", _("求决")
    ACCUSATION = "accusation", _("检举控告")  # the accused must never see it (第三十条第三款)
    SUGGESTION = "suggestion", _("意见建议")
    INQUIRY = "inquiry", _("咨询")
    APPEAL = "appeal", _("申诉")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class Flag(models.TextChoices):
    COLLECTIVE = "collective", _("集体")
    EXTREME = "extreme", _("极端言行")
    SKIP_LEVEL = "skip_level", _("越级")
    REPEAT = "repeat", _("重复")
    SAFETY_HAZARD = "safety_hazard", _("重大隐患")
    LITIGATION = "litigation", _("已进入诉讼/仲裁等法定途径")
    IDENTITY_SENSITIVE = "identity_sensitive", _("涉及检举领导干部")
    URGENT = "urgent", _("紧急（第二十五条）")


class State(models.TextChoices):
    """Where a petition stands. Terminal states have no further statutory step."""

    REGISTERED = "registered", _("待受理")  # received; acceptance decision due in 15 days (第二十三条)
    ACCEPTED = "accepted", _("已受理待交办")  # accepted; awaiting a handling unit and a 承办人
    HANDLING = "handling", _("办理中")  # 60 days from acceptance, one extension ≤ 30 days (第三十四条)
    REPLIED = "replied", _("已答复")  # 处理意见书 issued; rating and review request windows open
    REVIEWING = "reviewing", _("复查中")  # next-higher unit decides within 30 days (第三十五条)
    REVIEWED = "reviewed", _("已复查")  # 复查意见书 issued; re-review window open
    REREVIEWING = "rereviewing", _("复核中")  # unit above the reviewer decides within 30 days (第三十六条)
    CLOSED = "closed", _("已办结")  # no further step requested within the windows
    FINAL = "final", _("已终结")  # after 复核: same facts and reasons not accepted again (第三十六条第三款)
    NOT_ACCEPTED = "not_accepted", _("不予受理")  # with reason and, where fitting, the legal channel
    WITHDRAWN = "withdrawn", _("已撤回")
    MERGED = "merged", _("已合并")  # a duplicate folded into its original


OPEN_STATES = frozenset({State.REGISTERED, State.ACCEPTED, State.HANDLING, State.REVIEWING, State.REREVIEWING})
TERMINAL_STATES = frozenset({State.CLOSED, State.FINAL, State.NOT_ACCEPTED, State.WITHDRAWN, State.MERGED})


class DueKind(models.TextChoices):
    """Which period the petition's ``due_at`` currently measures."""

    ACCEPTANCE = "acceptance", _("受理告知期限")
    HANDLING = "handling", _("办理期限")
    REVIEW = "review", _("复查期限")
    REREVIEW = "rereview", _("复核期限")
    REVIEW_REQUEST = "review_request", _("复查申请期限")
    REREVIEW_REQUEST = "rereview_request", _("复核申请期限")


class LegalChannel(models.TextChoices):
    """Statutory procedures a non-accepted matter is guided into (第三十一条(一)–(五))."""

    LITIGATION = "litigation", _("诉讼")
    ARBITRATION = "arbitration", _("劳动人事争议仲裁")
    ADMIN_REVIEW = "admin_review", _("行政复议")
    PARTY_APPEAL = "party_appeal", _("党员申诉")
    DISCIPLINE = "discipline", _("纪检监察机关")
    OTHER_BODY = "other_body", _("其他有权机关")


class DeclineReason(models.TextChoices):
    OUTSIDE_REMIT = "outside_remit", _("不属于本单位职责范围")
    LEGAL_PROCEDURE = "legal_procedure", _("应通过法定途径解决")
    IN_PROGRESS_ELSEWHERE = "in_progress_elsewhere", _("已受理或正在办理（第十九条第三款）")
    FINAL_SAME_MATTER = "final_same_matter", _("复核终结后以同一事实和理由再次提出（第三十六条第三款）")
    UNCLEAR = "unclear", _("诉求不明确且无法联系信访人")


class ReplyOutcome(models.TextChoices):
    """三种处理结论 (第三十二条)."""

    SUPPORT = "support", _("予以支持")
    EXPLAIN = "explain", _("解释说明")
    NOT_SUPPORT = "not_support", _("不予支持")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ReviewOutcome(models.TextChoices):
    UPHOLD = "uphold", _("维持原处理意见")
    CHANGE = "change", _("变更原处理意见")
    REVOKE = "revoke", _("撤销并责令重新办理")


class ReviewLevel(models.TextChoices):
    REVIEW = "review", _("复查")
    REREVIEW = "rereview", _("复核")


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理告知书")
    NON_ACCEPTANCE = "non_acceptance", _("不予受理告知书")
    FORWARD = "forward", _("转送告知书")
    EXTENSION = "extension", _("延期告知书")
    REPLY = "reply", _("处理意见书")
    REVIEW = "review", _("复查意见书")
    REREVIEW = "rereview", _("复核意见书")
    SUPERVISION = "supervision", _("督办单")


class AccountabilityGround(models.TextChoices):
    """追责事由 (第四十四条)."""

    LATE_ACCEPTANCE_NOTICE = "late_acceptance_notice", _("未在规定期限内书面告知是否受理")
    LATE_REPLY = "late_reply", _("未在规定期限内办结")
    LATE_REVIEW = "late_review", _("未在规定期限内作出复查/复核意见")
    REPLY_OVERTURNED = "reply_overturned", _("处理意见经复查/复核被变更或撤销（敷衍塞责）")
    SUPERVISION_IGNORED = "supervision_ignored", _("未按期回复督办")


class AccountabilityStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DECIDED = "decided", _("已处理")
    DISMISSED = "dismissed", _("不予追责")


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("督办中")
    ANSWERED = "answered", _("已回复")

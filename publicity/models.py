"""Records of the publicity module (宣传思想工作, issue #12).

People are ``orgs.User`` and units ``orgs.Unit`` (never copied); module posts (通讯员, the
reviewers of 三审) are rows here, not platform roles. Rules marked *(verify)* in
publicity-rules.md live in ``RuleSet`` rows (versioned data), and every computed flag or
figure stores the version it was computed with.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from petitions.choices import Category
from publicity.choices import (
    AgendaKind,
    CampaignKind,
    ConceptKind,
    Decision,
    IncidentLevel,
    IncidentState,
    OutletLevel,
    PieceKind,
    PieceState,
    PositionKind,
    ReviewLevel,
)

USER = settings.AUTH_USER_MODEL


class RuleSet(models.Model):
    """One version of one rule's parameters (e.g. the points table of pub.points).

    Rows are never edited: a change is a new version (``publicity.rules.rule_set_publish``);
    the newest version in force is the one used, and its number is stamped on what it computed.
    """

    code = models.CharField(_("规则代码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"))
    params = models.JSONField(_("参数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="pub_rule_code_version")]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Theme(models.Model):
    """A publicity theme (宣传主题); ``categories`` are the petition categories it answers
    (the loop of the 职工思想动态 brief)."""

    name = models.CharField(_("主题"), max_length=60, unique=True)
    categories = models.JSONField(_("回应的信访分类"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("宣传主题")
        verbose_name_plural = _("宣传主题")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        known = set(Category.values)
        bad = [c for c in self.categories or [] if c not in known]
        if bad:
            raise ValidationError({"categories": _("未知的信访分类：%(codes)s") % {"codes": ", ".join(bad)}})


class Correspondent(models.Model):
    """通讯员: a person who submits pieces for a unit."""

    user = models.ForeignKey(USER, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("在岗"), default=True)
    appointed_at = models.DateTimeField(_("聘任时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通讯员")
        verbose_name_plural = _("通讯员")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="pub_correspondent_user_unit")]

    def __str__(self) -> str:
        return f"{self.user.name} · {self.unit.name}"


class EditorialPost(models.Model):
    """A reviewer post of 三审: the person reviews pieces of ``unit`` and its subtree at ``level``."""

    user = models.ForeignKey(USER, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("审级"), max_length=10, choices=ReviewLevel.choices)

    class Meta:
        verbose_name = _("审稿岗位")
        verbose_name_plural = _("审稿岗位")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "level"], name="pub_post_user_unit_level")]

    def __str__(self) -> str:
        return f"{self.user.name} · {self.unit.name} · {self.get_level_display()}"


class Piece(models.Model):
    """稿件: written by a correspondent, reviewed through 三审三校, published to the platform's
    news pages (``for_news``) and/or offered to outside media (``for_outside``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=120)
    lead = models.CharField(_("导语"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    kind = models.CharField(_("体裁"), max_length=12, choices=PieceKind.choices, default=PieceKind.NEWS)
    video_url = models.URLField(_("视频链接"), blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="pieces")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+")
    for_news = models.BooleanField(_("本平台新闻页发布"), default=True)
    for_outside = models.BooleanField(_("推荐对外投稿"), default=False)
    embargo_until = models.DateTimeField(_("禁发至"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=PieceState.choices, default=PieceState.DRAFT)
    stage = models.CharField(_("待审级"), max_length=10, choices=ReviewLevel.choices, blank=True)
    round = models.PositiveIntegerField(_("送审轮次"), default=0)  # a resubmission starts the reviews again
    version = models.PositiveIntegerField(_("版本"), default=1)
    review_rule_version = models.PositiveIntegerField(_("三审规则版本"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("送审时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("稿件")
        verbose_name_plural = _("稿件")
        indexes = [
            # The news page and its search (newest first, read in index order until a page is full) and
            # the dashboard's pieces per month: state, then time. for_news is a residual filter (90 % true).
            models.Index(fields=["state", "-published_at", "-id", "unit"], name="pub_piece_published_idx"),
            # The review queue: pieces in review by stage within a unit subtree.
            models.Index(fields=["state", "stage", "unit"], name="pub_piece_queue_idx"),
            models.Index(fields=["author", "-created_at"], name="pub_piece_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="in_review", stage__in=ReviewLevel.values) | (~Q(state="in_review") & Q(stage="")),
                name="pub_piece_stage_only_in_review",
            ),
            models.CheckConstraint(condition=~Q(state="published") | Q(published_at__isnull=False),
                                   name="pub_piece_published_has_time"),
        ]

    def __str__(self) -> str:
        return self.title


class PieceVersion(models.Model):
    """One saved text of a piece (稿件版本): every edit adds one; none is changed."""

    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=120)
    lead = models.CharField(_("导语"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("稿件版本")
        verbose_name_plural = _("稿件版本")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["piece", "number"], name="pub_piece_version_number")]

    def __str__(self) -> str:
        return f"{self.piece.title} v{self.number}"


class PieceReview(models.Model):
    """One decision of 三审三校: level, reviewer, decision, proofread confirmed, comment.
    Kept for ever (a published piece keeps its review record)."""

    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveIntegerField(_("送审轮次"))
    level = models.CharField(_("审级"), max_length=10, choices=ReviewLevel.choices)
    reviewer = models.ForeignKey(USER, verbose_name=_("审稿人"), on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("结论"), max_length=10, choices=Decision.choices)
    proofread = models.BooleanField(_("已校对"), default=False)
    comment = models.TextField(_("意见"), blank=True)
    version = models.PositiveIntegerField(_("审阅版本"))
    rule_version = models.PositiveIntegerField(_("规则版本"))
    decided_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("审稿记录")
        verbose_name_plural = _("审稿记录")
        ordering = ["decided_at", "pk"]
        constraints = [
            # One decision per level per round: a second pass at the same level is refused.
            models.UniqueConstraint(fields=["piece", "round", "level"], name="pub_review_round_level"),
        ]

    def __str__(self) -> str:
        return f"{self.piece.title} · {self.get_level_display()} · {self.get_decision_display()}"


class PieceComment(models.Model):
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("意见"))
    version = models.PositiveIntegerField(_("针对版本"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("稿件评论")
        verbose_name_plural = _("稿件评论")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


def photo_path(instance: PiecePhoto, filename: str) -> str:
    return f"publicity/pieces/{instance.piece.public_id}/{uuid.uuid4().hex}"


class PiecePhoto(models.Model):
    """A photo of a piece: checked and stripped of EXIF by petitions.uploads.check_upload."""

    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=photo_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(_("图片说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("稿件图片")
        verbose_name_plural = _("稿件图片")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Outlet(models.Model):
    """A medium outside the platform (晋能控股日报, 中国新闻网 …) and its level."""

    name = models.CharField(_("媒体名称"), max_length=80, unique=True)
    level = models.CharField(_("媒体级别"), max_length=12, choices=OutletLevel.choices)

    class Meta:
        verbose_name = _("媒体")
        verbose_name_plural = _("媒体")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def clipping_path(instance: Placement, filename: str) -> str:
    return f"publicity/clippings/{uuid.uuid4().hex}"


class Placement(models.Model):
    """对外发稿台账 (pub.external_ledger): one piece placed in outside media."""

    outlet = models.ForeignKey(Outlet, verbose_name=_("媒体"), on_delete=models.PROTECT, related_name="placements")
    outlet_level = models.CharField(_("媒体级别"), max_length=12, choices=OutletLevel.choices)  # as it was then
    kind = models.CharField(_("类型"), max_length=12, choices=PieceKind.choices)
    published_on = models.DateField(_("刊发日期"))
    title = models.CharField(_("标题"), max_length=200)
    link = models.URLField(_("链接"), max_length=500, blank=True)
    clipping = models.FileField(_("剪报"), upload_to=clipping_path, max_length=200, blank=True)
    piece = models.ForeignKey(Piece, verbose_name=_("本平台稿件"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="placements")
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="placements")
    unit = models.ForeignKey(Unit, verbose_name=_("供稿单位"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=2)
    points_rule_version = models.PositiveIntegerField(_("积分规则版本"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对外发稿")
        verbose_name_plural = _("对外发稿")
        ordering = ["-published_on", "-id"]
        indexes = [
            # Yearly/monthly tables and the dashboard: placements by date (within a unit subtree).
            models.Index(fields=["published_on", "unit"], name="pub_placement_date_idx"),
            models.Index(fields=["unit", "published_on"], name="pub_placement_unit_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PlacementAuthor(models.Model):
    """An author of a placement and the points credited to them and their unit (pub.points)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="authors")
    user = models.ForeignKey(USER, verbose_name=_("作者"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    name = models.CharField(_("署名"), max_length=50)  # the byline, also for authors outside the platform
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("发稿作者")
        verbose_name_plural = _("发稿作者")
        indexes = [models.Index(fields=["user", "placement"], name="pub_placement_author_idx")]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A theme campaign (主题宣讲活动) or a culture campaign (culture.campaign) with its units."""

    name = models.CharField(_("活动名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=10, choices=CampaignKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+")
    units = models.ManyToManyField(Unit, verbose_name=_("参与单位"), related_name="+", blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="campaigns")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("内容"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-starts_on", "name"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="pub_campaign_dates")]

    def __str__(self) -> str:
        return self.name


class LecturerTeam(models.Model):
    """宣讲团: lecturers of a unit."""

    name = models.CharField(_("宣讲团"), max_length=80)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(USER, verbose_name=_("成员"), related_name="+", blank=True)

    class Meta:
        verbose_name = _("宣讲团")
        verbose_name_plural = _("宣讲团")

    def __str__(self) -> str:
        return self.name


class Lecture(models.Model):
    """宣讲 (talk.reach): topic, lecturer, audience units with their person-times, date, place."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(_("题目"), max_length=120)
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="lectures")
    campaign = models.ForeignKey(Campaign, verbose_name=_("所属活动"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="lectures")
    lecturer = models.ForeignKey(USER, verbose_name=_("宣讲人"), on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(LecturerTeam, verbose_name=_("宣讲团"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="lectures")
    unit = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    online = models.BooleanField(_("线上"), default=False)
    # Person-times of the session: the sum of its audience rows, counted once (talk.reach).
    attendance = models.PositiveIntegerField(_("人次"), default=0)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("宣讲")
        verbose_name_plural = _("宣讲")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["held_at", "unit"], name="pub_lecture_held_idx")]

    def __str__(self) -> str:
        return self.topic


class LectureAudience(models.Model):
    """One audience unit of a lecture and the person-times from it."""

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="audience")
    unit = models.ForeignKey(Unit, verbose_name=_("听众单位"), on_delete=models.PROTECT, related_name="+")
    attendance = models.PositiveIntegerField(_("人次"))

    class Meta:
        verbose_name = _("听众单位")
        verbose_name_plural = _("听众单位")
        constraints = [models.UniqueConstraint(fields=["lecture", "unit"], name="pub_lecture_audience_unit")]
        indexes = [models.Index(fields=["unit", "lecture"], name="pub_audience_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit} {self.attendance}"


class LectureSignIn(models.Model):
    """签到 from a phone: one per person per lecture."""

    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="sign_ins")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签到时间"))

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [models.UniqueConstraint(fields=["lecture", "user"], name="pub_signin_once")]

    def __str__(self) -> str:
        return f"{self.lecture} · {self.user}"


def lecture_photo_path(instance: LecturePhoto, filename: str) -> str:
    return f"publicity/lectures/{instance.lecture.public_id}/{uuid.uuid4().hex}"


class LecturePhoto(models.Model):
    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=lecture_photo_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("宣讲照片")
        verbose_name_plural = _("宣讲照片")

    def __str__(self) -> str:
        return self.original_name


class FirstTopic(models.Model):
    """第一议题 (study.first_topic): the study that opens a 党委会, with who led and attended."""

    unit = models.ForeignKey(Unit, verbose_name=_("党委所在单位"), on_delete=models.PROTECT, related_name="+")
    meeting_on = models.DateField(_("党委会日期"))
    material = models.CharField(_("学习内容"), max_length=200)  # the speech or instruction studied
    # study.branch: what the branches' study meetings name in their title or agenda (blank: the material).
    branch_key = models.CharField(_("支部学习关键词"), max_length=60, blank=True)
    summary = models.TextField(_("学习要点"), blank=True)
    led_by = models.ForeignKey(USER, verbose_name=_("领学人"), on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(USER, verbose_name=_("参加人员"), related_name="+", blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("第一议题")
        verbose_name_plural = _("第一议题")
        ordering = ["-meeting_on", "-id"]
        indexes = [models.Index(fields=["unit", "meeting_on"], name="pub_first_topic_idx")]

    def __str__(self) -> str:
        return self.material


class FollowUpTask(models.Model):
    """贯彻落实: a follow-up task of a 第一议题 with an owner and a due date; reminded once before."""

    first_topic = models.ForeignKey(FirstTopic, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=200)
    owner = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("完成时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("落实情况"), blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    rule_version = models.PositiveIntegerField(_("规则版本"), default=0)

    class Meta:
        verbose_name = _("落实任务")
        verbose_name_plural = _("落实任务")
        ordering = ["due_on", "id"]
        # The reminder sweep: open tasks by due date.
        indexes = [models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="pub_task_open_due_idx")]

    def __str__(self) -> str:
        return self.title


class CenterGroupPlan(models.Model):
    """党委理论学习中心组: the annual plan of one 党委 (study.center_group)."""

    unit = models.ForeignKey(Unit, verbose_name=_("党委所在单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("年度"))
    topics = models.TextField(_("学习专题"))
    members = models.ManyToManyField(USER, verbose_name=_("中心组成员"), related_name="+", blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("中心组学习计划")
        verbose_name_plural = _("中心组学习计划")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="pub_center_plan_unit_year")]
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"


class CenterGroupSession(models.Model):
    plan = models.ForeignKey(CenterGroupPlan, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("日期"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=4, decimal_places=1)
    topic = models.CharField(_("专题"), max_length=200)
    seminar = models.BooleanField(_("研讨式"), default=False)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("中心组学习")
        verbose_name_plural = _("中心组学习")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return self.topic


class SessionAttendance(models.Model):
    """A member at a session: present or not, and their speech (交流发言)."""

    session = models.ForeignKey(CenterGroupSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(USER, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("出席"), default=True)
    speech = models.TextField(_("发言"), blank=True)

    class Meta:
        verbose_name = _("出席与发言")
        verbose_name_plural = _("出席与发言")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="pub_session_member_once")]

    def __str__(self) -> str:
        return f"{self.session} · {self.user}"


class Position(models.Model):
    """意识形态阵地 (ideo.positions): every owned channel with a responsible unit and person."""

    name = models.CharField(_("阵地名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=PositionKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("网址或位置"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("意识形态阵地")
        verbose_name_plural = _("意识形态阵地")
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    """党委会议题 on ideology work (ideo.committee_review): a study item or the yearly report."""

    unit = models.ForeignKey(Unit, verbose_name=_("党委所在单位"), on_delete=models.PROTECT, related_name="+")
    meeting_on = models.DateField(_("会议日期"))
    kind = models.CharField(_("类别"), max_length=10, choices=AgendaKind.choices)
    title = models.CharField(_("议题"), max_length=200)
    summary = models.TextField(_("研究情况"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("意识形态工作议题")
        verbose_name_plural = _("意识形态工作议题")
        ordering = ["-meeting_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Incident(models.Model):
    """舆情 (ideo.incident): found when, level, owner, steps; first response due by the rule in
    force (its version kept); escalated once when still unanswered after the deadline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("舆情标题"), max_length=200)
    summary = models.TextField(_("情况"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("涉及单位"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("级别"), max_length=10, choices=IncidentLevel.choices)
    owner = models.ForeignKey(USER, verbose_name=_("响应责任人"), on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("发现时间"))
    due_at = models.DateTimeField(_("首次响应时限"))
    rule_version = models.PositiveIntegerField(_("规则版本"))
    state = models.CharField(_("状态"), max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN)
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("处置完毕时间"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("舆情")
        verbose_name_plural = _("舆情")
        ordering = ["-found_at"]
        indexes = [
            # The escalation sweep: open, not yet escalated, by deadline.
            models.Index(fields=["due_at"], condition=Q(state="open", escalated_at__isnull=True),
                         name="pub_incident_due_idx"),
            models.Index(fields=["unit", "state"], name="pub_incident_unit_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def answered_on_time(self) -> bool | None:
        """Answered at or before the deadline (exactly at the deadline is on time)."""
        if self.responded_at is None:
            return None
        return self.responded_at <= self.due_at


class IncidentStep(models.Model):
    """One step of an incident's timeline (append-only)."""

    class Kind(models.TextChoices):
        FOUND = "found", _("发现登记")
        RESPONSE = "response", _("首次响应")
        STEP = "step", _("处置措施")
        ESCALATION = "escalation", _("逾期升级")
        CLOSE = "close", _("处置完毕")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内容"), blank=True)

    class Meta:
        verbose_name = _("舆情处置步骤")
        verbose_name_plural = _("舆情处置步骤")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Concept(models.Model):
    """企业文化理念 staff can read (vision 安全、高效、文明、和谐、幸福; the "136" safety model …)."""

    kind = models.CharField(_("类别"), max_length=10, choices=ConceptKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("释义"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # None: the group's own concept system (edited by the group's 宣传部); a unit: that unit's
    # additions (edited by its 宣传干事 and those above). Edited on /publicity/culture/concepts/.
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    is_active = models.BooleanField(_("在用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("文化理念")
        verbose_name_plural = _("文化理念")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class ConceptVersion(models.Model):
    """One saved text of a culture concept: every edit adds one; none is changed."""

    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    kind = models.CharField(_("类别"), max_length=10, choices=ConceptKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("释义"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("在用"), default=True)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("保存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("文化理念版本")
        verbose_name_plural = _("文化理念版本")
        ordering = ["concept", "-number"]
        constraints = [models.UniqueConstraint(fields=["concept", "number"], name="pub_concept_version_number")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class CampaignActivity(models.Model):
    """An activity of a campaign in one unit, with its participants (culture.campaign)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="activities")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("活动"), max_length=120)
    held_on = models.DateField(_("日期"))
    participants = models.PositiveIntegerField(_("参与人数"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("活动开展")
        verbose_name_plural = _("活动开展")
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return self.title


def gallery_path(instance: GalleryItem, filename: str) -> str:
    return f"publicity/gallery/{uuid.uuid4().hex}"


class GalleryItem(models.Model):
    """A photo (EXIF stripped) or a video link of the gallery, captioned, tagged by unit and campaign."""

    caption = models.CharField(_("说明"), max_length=200)
    file = models.FileField(_("照片"), upload_to=gallery_path, max_length=200, blank=True)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    video_url = models.URLField(_("视频链接"), blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name=_("活动"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="gallery")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("图片视频")
        verbose_name_plural = _("图片视频")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.caption


class SentimentBrief(models.Model):
    """职工思想动态 (quarterly): counts of petitions by category and unit (never identities), the
    lectures and pieces answering them, and the 宣传部's own analysis; filed briefs are frozen."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    data = models.JSONField(_("数据"))  # the aggregate snapshot the brief was assembled from
    analysis = models.TextField(_("动态分析"), blank=True)
    suggestions = models.TextField(_("工作建议"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    filed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("职工思想动态")
        verbose_name_plural = _("职工思想动态")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "quarter"], name="pub_brief_unit_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="pub_brief_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}Q{self.quarter}"


class NewsToken(models.Model):
    """One posting of the news search index: a character bigram (or single character) of a
    published news piece's title or lead (publicity.search). Written when the piece is published,
    deleted when it is withdrawn; ``published_at`` is the piece's, so a term's postings are read
    newest first in index order and an embargoed piece's postings are not yet due."""

    token = models.CharField(max_length=2)
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("新闻检索词元")
        verbose_name_plural = _("新闻检索词元")
        indexes = [
            # Postings of one token newest first (the search's driving scan) and the point probe
            # (token, published_at, piece) that checks a candidate holds the other tokens.
            models.Index(fields=["token", "-published_at", "-piece"], name="pub_news_token_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.token} → {self.piece_id}"


class Tally(models.Model):
    """Monthly figures of the 宣传部 dashboard per unit, kept by the services in the same
    transaction as the records they count (publicity.tally): ``piece`` — pieces published (n);
    ``placement`` — outside placements by outlet level (n, points); ``reach`` — lecture
    person-times by audience unit (total). Rebuilt from the records by ``publicity_tally``; a
    test compares them with the live aggregates."""

    metric = models.CharField(max_length=10)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()  # the first day of the month (Asia/Shanghai)
    level = models.CharField(max_length=12, blank=True)
    n = models.IntegerField(default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("看板月度汇总")
        verbose_name_plural = _("看板月度汇总")
        constraints = [models.UniqueConstraint(fields=["metric", "month", "unit", "level"], name="pub_tally_key")]

    def __str__(self) -> str:
        return f"{self.metric} {self.unit_id} {self.month:%Y-%m} {self.level} {self.n}/{self.total}"

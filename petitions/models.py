"""信访 records. Workflow steps live in petitions.workflow; this file holds rows and
single-record invariants only (STYLE: guards on the model, transitions in services)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from petitions.choices import (
    OPEN_STATES,
    AccountabilityGround,
    AccountabilityStatus,
    Category,
    Channel,
    DeclineReason,
    DueKind,
    LegalChannel,
    NoticeKind,
    PetitionType,
    Rating,
    ReplyOutcome,
    ReviewLevel,
    ReviewOutcome,
    RiskLevel,
    State,
    SupervisionStatus,
)

USER = settings.AUTH_USER_MODEL
# States whose due_at the sweep reads: open obligations and the petitioner's request windows.
SWEPT_STATES = OPEN_STATES | {State.REPLIED, State.REVIEWED}


class NumberSequence(models.Model):
    """Last 信访编号 issued per year; the row is locked while a number is drawn."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("信访编号序列")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Petition(models.Model):
    """A petition matter (信访事项)."""

    number = models.CharField(_("信访编号"), max_length=20, unique=True)
    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=120)
    content = models.TextField(_("诉求内容"))
    category = models.CharField(_("内容分类"), max_length=32, choices=Category.choices)
    ptype = models.CharField(_("性质"), max_length=20, choices=PetitionType.choices, default=PetitionType.REQUEST)
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.LOW)
    flags = models.JSONField(_("标记"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.REGISTERED)

    # Who raised it. Identity details live encrypted in PetitionerIdentity (DESIGN §4).
    petitioner = models.ForeignKey(
        USER, verbose_name=_("信访人账号"), null=True, blank=True, on_delete=models.PROTECT, related_name="petitions"
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    # Anonymous follow-up: first 6 digits locate the row, the whole code is checked by Argon2.
    receipt_lookup = models.CharField(max_length=6, blank=True, db_index=True)
    receipt_hash = models.CharField(max_length=128, blank=True)
    people_count = models.PositiveIntegerField(_("人数"), default=1)

    registered_by = models.ForeignKey(
        USER, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("收到时间"))

    # The unit currently answerable for the acceptance decision (receiving or forwarded-to unit).
    unit = models.ForeignKey(Unit, verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="petitions")
    # Set at assignment (交办): one handling unit, one named 承办人, one accountable leader (一岗双责).
    handling_unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        USER, verbose_name=_("承办人"), null=True, blank=True, on_delete=models.PROTECT, related_name="handled_petitions"
    )
    leader = models.ForeignKey(
        USER, verbose_name=_("责任领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="led_petitions"
    )
    # 检举控告: the person and unit accused never see the matter (第三十条第三款).
    accused_user = models.ForeignKey(
        USER, verbose_name=_("被检举人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accused_unit = models.ForeignKey(
        Unit, verbose_name=_("被检举单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The current period: what it measures and when it expires (00:00 of the day after the
    # last day). Swept by the reminder/escalation job through petition_due_idx.
    due_kind = models.CharField(_("当前期限"), max_length=20, choices=DueKind.choices, blank=True)
    due_at = models.DateTimeField(_("期限届满"), null=True, blank=True)
    # Periods kept for the record and the KPI engine.
    acceptance_due_at = models.DateTimeField(_("受理告知期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    handling_due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    decision_reason = models.CharField(_("不予受理理由"), max_length=32, choices=DeclineReason.choices, blank=True)
    legal_channel = models.CharField(_("引导途径"), max_length=20, choices=LegalChannel.choices, blank=True)

    reply_outcome = models.CharField(_("处理结论"), max_length=20, choices=ReplyOutcome.choices, blank=True)
    reply_text = models.TextField(_("处理意见"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    review_request_due_at = models.DateTimeField(_("复查申请期限"), null=True, blank=True)
    rereview_request_due_at = models.DateTimeField(_("复核申请期限"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并至"), null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # Fingerprint of the matter after 复核, so the same facts and reasons are recognised again.
    final_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=0)  # bumped by every transition
    # Head of this petition's event chain; the petition row is locked while it grows.
    event_seq = models.PositiveIntegerField(default=0)
    event_head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        ordering = ["-received_at"]
        indexes = [
            # Sweep and inbox "sorted by deadline": open rows only (healthchecks' alert_after).
            models.Index(
                fields=["due_at"],
                name="petition_due_idx",
                condition=Q(state__in=sorted(SWEPT_STATES)) & Q(due_at__isnull=False),
            ),
            models.Index(fields=["unit", "state"], name="petition_unit_state_idx"),
            # A scope's ids from the indexes alone (petitions.selectors.beyond_units_ids). The
            # foreign keys keep their own indexes: dropping them is an AlterField, which SQLite
            # does by rebuilding the table, losing the indexes the insights migrations add by SQL
            # (and the trigger of triage 0008).
            models.Index(fields=["unit", "ptype", "id"], name="petition_unit_ptype_id_idx"),
            models.Index(fields=["handling_unit", "unit", "id"], name="petition_hunit_unit_id_idx"),
            models.Index(fields=["handling_unit", "state"], name="petition_hunit_state_idx"),
            models.Index(fields=["handler", "state"], name="petition_handler_idx"),
            models.Index(fields=["petitioner", "-received_at"], name="petition_petitioner_idx"),
            models.Index(fields=["state", "received_at"], name="petition_state_recv_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=State.HANDLING) | (Q(handler__isnull=False) & Q(handling_unit__isnull=False)),
                name="petition_handling_has_handler",
            ),
            models.CheckConstraint(condition=Q(people_count__gte=1), name="petition_people_count_positive"),
            models.CheckConstraint(condition=Q(extension_count__lte=1), name="petition_at_most_one_extension"),
        ]

    def __str__(self) -> str:
        if self.number.startswith("XF-TMP-"):  # during the intake, before the number is drawn (numbering.py)
            return f"#{self.pk} {self.title}"
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def has_flag(self, flag: str) -> bool:
        return flag in (self.flags or [])

    # Reviews are few per petition; read once per instance.
    @property
    def review_list(self) -> list[Review]:
        cached = self.__dict__.get("_reviews")
        if cached is None:
            cached = list(self.reviews.select_related("unit").order_by("requested_at")) if self.pk else []
            self.__dict__["_reviews"] = cached
        return cached

    def forget_reviews(self) -> None:
        self.__dict__.pop("_reviews", None)

    def reviews_requested(self, *, level: str) -> bool:
        return any(r.level == level for r in self.review_list)

    @property
    def open_review(self) -> Review | None:
        for review in self.review_list:
            if review.decided_at is None:
                return review
        return None


class PetitionerIdentity(models.Model):
    """Who the petitioner is, encrypted at rest and kept apart from the petition text."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="identity")
    name_enc = models.TextField(_("姓名（密文）"), blank=True)
    phone_enc = models.TextField(_("电话（密文）"), blank=True)
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    address_enc = models.TextField(_("住址（密文）"), blank=True)
    employee_no_enc = models.TextField(_("工号（密文）"), blank=True)
    representatives_enc = models.TextField(_("代表（密文）"), blank=True)

    class Meta:
        verbose_name = _("信访人身份信息")
        verbose_name_plural = _("信访人身份信息")

    def __str__(self) -> str:
        return f"identity of {self.petition_id}"


class PetitionEvent(models.Model):
    """One step in a petition's history. Append-only and hash-chained per petition."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("登记")
        ACCEPTED = "accepted", _("受理")
        DECLINED = "declined", _("不予受理")
        FORWARDED = "forwarded", _("转送")
        ASSIGNED = "assigned", _("交办")
        REASSIGNED = "reassigned", _("重新交办")
        TRANSFERRED = "transferred", _("移交")
        EXTENDED = "extended", _("延期")
        REPLIED = "replied", _("答复")
        RATED = "rated", _("评价")
        REVIEW_REQUESTED = "review_requested", _("申请复查")
        REVIEW_DECIDED = "review_decided", _("复查决定")
        REREVIEW_REQUESTED = "rereview_requested", _("申请复核")
        REREVIEW_DECIDED = "rereview_decided", _("复核决定")
        WITHDRAWN = "withdrawn", _("撤回")
        MERGED = "merged", _("合并")
        CLOSED = "closed", _("办结")
        NOTICE_ISSUED = "notice_issued", _("出具文书")
        MATERIAL_ADDED = "material_added", _("补充材料")
        REMINDED = "reminded", _("期限提醒")
        SUPERVISED = "supervised", _("督办")
        SUPERVISION_ANSWERED = "supervision_answered", _("督办回复")
        ACCOUNTABILITY_OPENED = "accountability_opened", _("启动追责")
        ACCOUNTABILITY_DECIDED = "accountability_decided", _("追责处理")

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("事件"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(USER, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # Shown to the petitioner on the timeline (internal notes are not).
    public = models.BooleanField(_("信访人可见"), default=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("信访事件")
        verbose_name_plural = _("信访事件")
        ordering = ["petition_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["petition", "seq"], name="petition_event_seq_uniq")]
        indexes = [models.Index(fields=["kind", "at"], name="petition_event_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.petition_id}#{self.seq} {self.kind}"

    def payload(self) -> dict:
        return {
            "petition": self.petition_id,
            "seq": self.seq,
            "kind": self.kind,
            "at": self.at,
            "actor": self.actor_id,
            "from": self.from_state,
            "to": self.to_state,
            "note": self.note,
            "data": self.data,
            "public": self.public,
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("petition events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("petition events are append-only")


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"petitions/{instance.petition.public_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_petitioner = models.BooleanField(_("信访人提交"), default=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class Review(models.Model):
    """A 复查 or 复核 of a reply, decided by the unit above the previous decider."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="reviews")
    level = models.CharField(_("层级"), max_length=10, choices=ReviewLevel.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("复查/复核单位"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    request_text = models.TextField(_("申请理由"))
    due_at = models.DateTimeField(_("办理期限"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结论"), max_length=10, choices=ReviewOutcome.choices, blank=True)
    opinion = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("复查复核")
        verbose_name_plural = _("复查复核")
        ordering = ["requested_at"]
        constraints = [models.UniqueConstraint(fields=["petition", "level"], name="one_review_per_level")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.level}"

    @property
    def last_day(self):
        """The last day to decide (due_at is the midnight after it)."""
        from tongxin.lib.periods import last_day_of

        return last_day_of(self.due_at)


class Notice(models.Model):
    """An official written notice (.docx) issued on a petition."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("文书"), max_length=20, choices=NoticeKind.choices)
    doc_number = models.CharField(_("文号"), max_length=40)
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    context = models.JSONField(default=dict)  # what was filled in, so the document can be re-rendered

    class Meta:
        verbose_name = _("告知文书")
        verbose_name_plural = _("告知文书")
        ordering = ["issued_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.doc_number}"


class SupervisionOrder(models.Model):
    """督办单: issued when a matter is overdue; the handling unit answers within its period."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="supervisions")
    issued_by_unit = models.ForeignKey(Unit, verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name=_("被督办单位"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("督办事由"))
    issued_at = models.DateTimeField(_("督办时间"))
    due_at = models.DateTimeField(_("回复期限"))
    status = models.CharField(_("状态"), max_length=10, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN)
    answer = models.TextField(_("回复"), blank=True)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    # The due period that triggered it: a sweep re-run never issues a second order for it.
    trigger_key = models.CharField(max_length=80, unique=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"督办 {self.petition_id}"


class AccountabilityRecord(models.Model):
    """追责: tied to the responsible person and leader and to the event that caused it."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="accountability")
    cause_event = models.ForeignKey(PetitionEvent, verbose_name=_("触发事件"), null=True, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(_("追责事由"), max_length=40, choices=AccountabilityGround.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(USER, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(USER, verbose_name=_("责任领导"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("启动时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AccountabilityStatus.choices, default=AccountabilityStatus.OPEN
    )
    outcome = models.TextField(_("处理结果"), blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    trigger_key = models.CharField(max_length=80, unique=True)

    class Meta:
        verbose_name = _("追责记录")
        verbose_name_plural = _("追责记录")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.petition_id}"


class ReminderSent(models.Model):
    """One reminder per petition, period and lead time: a re-run sends nothing twice."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80, unique=True)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("期限提醒")

    def __str__(self) -> str:
        return self.key


class UnitPolicy(models.Model):
    """Periods an enterprise tightened for a unit's subtree (never looser than statute)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="petition_policy")
    overrides = models.JSONField(_("收紧的期限"), default=dict, help_text=_('例如 {"handling": 45}'))
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("期限政策")
        verbose_name_plural = _("期限政策")

    def __str__(self) -> str:
        return f"{self.unit} v{self.version}"

    def clean(self) -> None:
        """Overrides may only tighten the statutory periods (DESIGN §2)."""
        from tongxin.lib.periods import STATUTORY

        if not isinstance(self.overrides, dict):
            raise ValidationError({"overrides": _('期限设置须为键值对，例如 {"handling": 45}')})
        try:
            STATUTORY.tightened(**self.overrides)
        except (TypeError, ValueError) as exc:  # PolicyLoosenedError is a ValueError
            raise ValidationError({"overrides": str(exc)}) from exc

    def save(self, *args, **kwargs):
        # A looser row would make policy_for() fail for the unit's whole subtree: never store one.
        self.clean()
        if self.pk is not None:
            stored = UnitPolicy.objects.filter(pk=self.pk).values_list("overrides", "version").first()
            if stored is not None and stored[0] != self.overrides:
                self.version = stored[1] + 1
        super().save(*args, **kwargs)


class Notification(models.Model):
    """In-app notification for staff and named petitioners."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    petition = models.ForeignKey(Petition, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text


# --- API tokens (petitions.api) --------------------------------------------------------------


class ApiToken(models.Model):
    """A bearer key of the REST API, held by one person and acting as that person.

    Only the SHA-256 of the key is stored: the key carries 256 random bits, so a fast hash
    cannot be brute-forced, and a look-up by hash stays one index probe per request. The
    prefix (the first characters of the key) names the key in lists and in the audit log.
    """

    user = models.ForeignKey(USER, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

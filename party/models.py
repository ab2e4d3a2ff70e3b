"""Party organizations, members, their branch history and transfers, rule versions.

The party tree (党委 → 党总支 → 党支部 → 党小组) is its own materialised path like orgs.Unit,
linked to the enterprise units each organization covers. A member is the platform's person
(orgs.User, one-to-one), never a copy of the identity.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit, User, path_successor

SEGMENT = 4


class RuleVersion(models.Model):
    """A rule's value from a given day on (party.rules.DEFAULTS is version 0)."""

    code = models.CharField(_("规则代码"), max_length=40, db_index=True)
    value = models.JSONField(_("取值"), default=dict)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    verify = models.BooleanField(_("待核实"), default=False)
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["code", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.code}@v{self.pk}"

    def save(self, *args, **kwargs) -> None:
        from party.rules import forget_rules

        super().save(*args, **kwargs)
        forget_rules()


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    GROUP = "group", _("党小组")


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)


class PartyOrgQuerySet(models.QuerySet["PartyOrg"]):
    def subtree_of(self, org: PartyOrg) -> PartyOrgQuerySet:
        return self.filter(path__gte=org.path, path__lt=path_successor(org.path))

    def branches(self) -> PartyOrgQuerySet:
        return self.filter(kind__in=BRANCH_KINDS)


def org_subtree_q(orgs, field: str = "") -> Q:
    """Q for records whose party organization lies in any of ``orgs``' subtrees."""
    paths = sorted({o.path for o in orgs})
    roots: list[str] = []
    for p in paths:
        if not any(p.startswith(r) for r in roots):
            roots.append(p)
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(**{f"{field}path__gte": root, f"{field}path__lt": path_successor(root)})
    return q


class PartyOrg(models.Model):
    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("组织名称"), max_length=100)
    kind = models.CharField(_("组织类别"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级党组织"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("路径"), max_length=64, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=0)
    units = models.ManyToManyField(Unit, verbose_name=_("覆盖单位"), blank=True, related_name="party_orgs")
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    size_approval = models.CharField(_("规模例外批准文号"), max_length=100, blank=True,
                                     help_text=_("党员不足100人设党委等经批准的例外"))
    is_active = models.BooleanField(_("有效"), default=True)

    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    def subtree(self) -> PartyOrgQuerySet:
        return PartyOrg.objects.subtree_of(self)

    def ancestors(self) -> PartyOrgQuerySet:
        prefixes = [self.path[:i] for i in range(SEGMENT, len(self.path), SEGMENT)]
        return PartyOrg.objects.filter(path__in=prefixes).order_by("path")

    def is_within(self, other: PartyOrg) -> bool:
        return self.path.startswith(other.path)


class CommitteeTerm(models.Model):
    """One 届 of an organization's committee (or its secretary where no committee is set up)."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="terms")
    elected_on = models.DateField(_("选举日期"))
    term_years = models.PositiveSmallIntegerField(_("任期（年）"))
    extended_until = models.DateField(_("经批准延期至"), null=True, blank=True)
    extension_approval = models.CharField(_("延期批准"), max_length=100, blank=True)
    entitled_voters = models.PositiveIntegerField(_("应到会人数"), default=0)
    attending_voters = models.PositiveIntegerField(_("实到会人数"), default=0)
    filed_on = models.DateField(_("委员备案日期"), null=True, blank=True)
    approved_on = models.DateField(_("书记副书记批准日期"), null=True, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["org", "-elected_on"]

    def __str__(self) -> str:
        return f"{self.org}（{self.elected_on}）"


class PostKind(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    ORGANIZER = "organizer", _("组织委员")
    PUBLICITY = "publicity", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    MEMBER = "member", _("委员")
    GROUP_LEADER = "group_leader", _("党小组长")
    ORG_OFFICER = "org_officer", _("组织员")


# Posts that may manage the organization's records (record meetings, development steps, dues).
MANAGING_POSTS = (PostKind.SECRETARY, PostKind.DEPUTY, PostKind.ORGANIZER, PostKind.ORG_OFFICER)


class CommitteePost(models.Model):
    term = models.ForeignKey(CommitteeTerm, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="posts")
    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="posts")
    person = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="party_posts")
    post = models.CharField(_("职务"), max_length=20, choices=PostKind.choices)
    start = models.DateField(_("任职日期"))
    end = models.DateField(_("免职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("委员职务")
        verbose_name_plural = _("委员职务")
        indexes = [models.Index(fields=["person", "end"])]

    def __str__(self) -> str:
        return f"{self.org} {self.get_post_display()} {self.person.name}"


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    LEFT = "left", _("已转出")
    DECEASED = "deceased", _("去世")
    REMOVED = "removed", _("出党")


ACTIVE_STATUSES = (MemberStatus.PROBATIONARY, MemberStatus.FULL)


class DuesKind(models.TextChoices):
    SALARIED = "salaried", _("在职（月工资）")
    ANNUAL = "annual", _("年薪制")
    RETIRED = "retired", _("离退休")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("无固定收入")
    RELIEF = "relief", _("领取救济/低保")
    FARMER = "farmer", _("农民")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    UNDERGRADUATE = "undergraduate", _("大学本科")
    COLLEGE = "college", _("大专")
    SECONDARY = "secondary", _("中专/高中")
    JUNIOR = "junior", _("初中及以下")


class PostCategory(models.TextChoices):
    FRONT_LINE = "front_line", _("生产一线")
    TECHNICAL = "technical", _("专业技术")
    MANAGEMENT = "management", _("经营管理")
    SERVICE = "service", _("后勤服务")
    RETIRED = "retired", _("离退休")


class Member(models.Model):
    """A party member: the platform's person plus what the party keeps about them."""

    person = models.OneToOneField(User, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="party_member")
    # The current branch; the dated history is Membership (kept in step by party.services).
    branch = models.ForeignKey(PartyOrg, verbose_name=_("所在党支部"), on_delete=models.PROTECT,
                               related_name="members")
    group = models.ForeignKey(PartyOrg, verbose_name=_("党小组"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="group_members")
    status = models.CharField(_("党员状态"), max_length=20, choices=MemberStatus.choices)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    post_category = models.CharField(_("岗位类别"), max_length=20, choices=PostCategory.choices, blank=True)
    job_title = models.CharField(_("工作岗位"), max_length=60, blank=True)
    is_flowing = models.BooleanField(_("流动党员"), default=False)
    away_since = models.DateField(_("外出起始日期"), null=True, blank=True)
    away_place = models.CharField(_("外出地点"), max_length=100, blank=True)
    pioneer_post = models.CharField(_("党员先锋岗"), max_length=60, blank=True)
    responsibility_area = models.CharField(_("党员责任区"), max_length=60, blank=True)
    dues_kind = models.CharField(_("党费缴纳类别"), max_length=20, choices=DuesKind.choices,
                                 default=DuesKind.SALARIED)
    dues_base = models.DecimalField(_("党费基数"), max_digits=10, decimal_places=2, null=True, blank=True)
    dues_base_reviewed_on = models.DateField(_("基数核定日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(fields=["branch", "status"]),
            # covering index of the dashboard's grouped count (index-only scan, already in group order)
            models.Index(fields=["status", "education", "post_category", "birth_date"], name="party_member_dash"),
            # the members changed since the dashboard tally was built (party.tally)
            models.Index(fields=["updated_at"], name="party_member_updated"),
        ]

    def __str__(self) -> str:
        return self.person.name

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Membership(models.Model):
    """Which branch a member belonged to from ``start`` up to (excluding) ``end``."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="memberships")
    branch = models.ForeignKey(PartyOrg, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("起"))
    end = models.DateField(_("止"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("组织关系记录")
        verbose_name_plural = _("组织关系记录")
        ordering = ["member", "start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(end__isnull=True), name="party_one_open_membership"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="party_membership_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.branch_id} {self.start}–{self.end or ''}"


class LetterState(models.TextChoices):
    ISSUED = "issued", _("已开具")
    REPORTED = "reported", _("已报到")
    RECEIPTED = "receipted", _("回执已返回")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("已作废")


class TransferLetter(models.Model):
    """A 组织关系介绍信. Inside the group both ends are PartyOrgs; outside, one end is a name."""

    number = models.CharField(_("介绍信编号"), max_length=30, unique=True)
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="letters")
    from_org = models.ForeignKey(PartyOrg, verbose_name=_("转出党支部"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="letters_out")
    from_name = models.CharField(_("转出单位（系统外）"), max_length=100, blank=True)
    to_org = models.ForeignKey(PartyOrg, verbose_name=_("转入党支部"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="letters_in")
    to_name = models.CharField(_("转入单位（系统外）"), max_length=100, blank=True)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    dues_paid_to = models.CharField(_("党费交至年月"), max_length=7)
    reason = models.CharField(_("转接原因"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=LetterState.choices, default=LetterState.ISSUED)
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    receipt_on = models.DateField(_("回执日期"), null=True, blank=True)
    late_certificate = models.CharField(_("逾期报到证明"), max_length=200, blank=True)
    issued_by = models.ForeignKey(User, verbose_name=_("经办人"), null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    rule_version = models.CharField(_("规则版本"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("组织关系介绍信")
        verbose_name_plural = _("组织关系介绍信")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class RosterUpload(models.Model):
    """An uploaded roster kept between the preview and the user's decision to import."""

    public_id = models.UUIDField(_("编号"), unique=True)
    filename = models.CharField(_("文件名"), max_length=200)
    data = models.BinaryField(_("文件内容"))
    mapping = models.JSONField(_("列对应"), default=dict)
    created_by = models.ForeignKey(User, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    summary = models.JSONField(_("导入结果"), null=True, blank=True)

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")

    def __str__(self) -> str:
        return self.filename


class DevState(models.TextChoices):
    ACTIVE = "active", _("培养中")
    PROBATION = "probation", _("预备期")
    DONE = "done", _("已转正")
    CANCELLED = "cancelled", _("已终止")


class DevFile(models.Model):
    """A person's file through the 5 stages / 25 steps of member development."""

    person = models.ForeignKey(User, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="party_dev_files")
    branch = models.ForeignKey(PartyOrg, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="dev_files")
    birth_date = models.DateField(_("出生日期"))
    leaving_on = models.DateField(_("预计离开本单位日期"), null=True, blank=True)
    current_step = models.PositiveSmallIntegerField(_("已完成步骤"), default=0)
    state = models.CharField(_("状态"), max_length=20, choices=DevState.choices, default=DevState.ACTIVE)
    probation_end = models.DateField(_("预备期满日期"), null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), default=0)
    member = models.ForeignKey(Member, verbose_name=_("党员档案"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="dev_files")
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发展党员档案")
        verbose_name_plural = _("发展党员档案")
        indexes = [models.Index(fields=["branch", "state"])]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.current_step}/25）"


def dev_upload_path(instance: DevStep, filename: str) -> str:
    return f"party/dev/{instance.file_id}/{instance.step:02d}-{filename[-60:]}"


class DevStep(models.Model):
    file = models.ForeignKey(DevFile, verbose_name=_("档案"), on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("步骤"))
    on = models.DateField(_("日期"))
    decided_by = models.CharField(_("决定人/组织"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("记录"), default=dict, blank=True)
    document = models.FileField(_("材料"), upload_to=dev_upload_path, blank=True)
    document_name = models.CharField(_("材料文件名"), max_length=200, blank=True)
    document_type = models.CharField(_("材料类型"), max_length=100, blank=True)
    flags = models.JSONField(_("提示"), default=list, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["file", "step"]
        constraints = [models.UniqueConstraint(fields=["file", "step"], name="party_dev_step_once")]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.step}"


class MeetingKind(models.TextChoices):
    GENERAL = "general_meeting", _("党员大会")
    COMMITTEE = "committee_meeting", _("支委会")
    GROUP = "group_meeting", _("党小组会")
    LECTURE = "party_lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    REVIEW = "review_meeting", _("组织生活会")
    APPRAISAL = "member_appraisal", _("民主评议党员")
    HEART_TALK = "heart_talks", _("谈心谈话")


class Meeting(models.Model):
    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("类别"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("主题"), max_length=200)
    planned_on = models.DateField(_("计划日期"))
    held_on = models.DateField(_("召开日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    speakers = models.CharField(_("发言人"), max_length=300, blank=True)
    lecturer = models.ForeignKey(User, verbose_name=_("授课人"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="party_lectures")
    signin_code = models.CharField(_("签到码"), max_length=6)
    entitled = models.PositiveIntegerField(_("应到人数"), default=0)
    present = models.PositiveIntegerField(_("实到人数"), default=0)
    created_by = models.ForeignKey(User, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["org", "held_on"]),
            # covering index of the dashboard's "branches that held kind K in period P"
            models.Index(fields=["kind", "held_on", "org"], name="party_meeting_dash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("出席"), default=False)
    reason = models.CharField(_("缺席原因"), max_length=100, blank=True)
    signed_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    written_opinion = models.BooleanField(_("会前提交书面意见"), default=False)

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="party_attendance_once")]
        indexes = [models.Index(fields=["member", "present"])]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.member_id}"


def meeting_photo_path(instance: MeetingPhoto, filename: str) -> str:
    return f"party/meetings/{instance.meeting_id}/{filename[-60:]}"


class MeetingPhoto(models.Model):
    """A photo of a meeting: type judged from the content, stored re-encoded without EXIF/GPS
    (petitions.uploads.check_upload), served only to those who may see the meeting."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=meeting_photo_path)
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(User, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会议照片")
        verbose_name_plural = _("会议照片")

    def __str__(self) -> str:
        return self.image.name


class Vote(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="votes")
    motion = models.CharField(_("表决事项"), max_length=200)
    yes = models.PositiveIntegerField(_("赞成"))
    no = models.PositiveIntegerField(_("反对"))
    abstain = models.PositiveIntegerField(_("弃权"))
    written_yes = models.PositiveIntegerField(_("书面赞成（缺席者会前提交）"), default=0)
    entitled = models.PositiveIntegerField(_("应到会"))
    present = models.PositiveIntegerField(_("实到会"))
    quorum_met = models.BooleanField(_("到会超过半数"))
    passed = models.BooleanField(_("通过"))
    rule_version = models.CharField(_("规则版本"), max_length=60)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")

    def __str__(self) -> str:
        return self.motion


class DuesAssessment(models.Model):
    """One member's dues for one month: what is due (with the rule version used) and its payment."""

    # Both foreign keys are served by the composite indexes below (fewer b-trees to update when a
    # month of 100,000 rows is written).
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues",
                               db_index=False)
    month = models.CharField(_("月份"), max_length=7)
    branch = models.ForeignKey(PartyOrg, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    kind = models.CharField(_("类别"), max_length=20, choices=DuesKind.choices)
    base = models.DecimalField(_("基数"), max_digits=10, decimal_places=2, null=True)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True)
    amount = models.DecimalField(_("按比例应交"), max_digits=10, decimal_places=2)
    due = models.DecimalField(_("应交"), max_digits=10, decimal_places=2, help_text=_("经批准减免后的金额"))
    rule_version = models.CharField(_("规则版本"), max_length=100)
    paid = models.DecimalField(_("实交"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("交纳日期"), null=True, blank=True)
    collected_by = models.ForeignKey(User, verbose_name=_("收缴人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    back_payment = models.BooleanField(_("补交"), default=False)
    voluntary = models.DecimalField(_("自愿多交"), max_digits=10, decimal_places=2, default=0)
    voluntary_to_centre = models.BooleanField(_("自愿多交全额上缴中央"), default=False)

    class Meta:
        verbose_name = _("党费")
        verbose_name_plural = _("党费")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="party_dues_once"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(due__gte=0), name="party_dues_not_negative"),
        ]
        indexes = [
            # covering the dashboard's sums of a month (index-only, for the group or a subtree's branches)
            models.Index(fields=["month", "branch", "due", "paid", "paid_on"], name="party_dues_month_cov"),
            models.Index(fields=["branch", "month", "paid_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month}"


class DuesReduction(models.Model):
    """A hardship reduction: decided by the branch, effective only once approved one level up."""

    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="reductions")
    from_month = models.CharField(_("起始月份"), max_length=7)
    to_month = models.CharField(_("截止月份"), max_length=7)
    monthly = models.DecimalField(_("减免后每月应交"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("理由"), max_length=200)
    decided_on = models.DateField(_("支部决定日期"))
    requested_by = models.ForeignKey(User, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    approved_by = models.ForeignKey(User, verbose_name=_("批准人"), null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党费减免")
        verbose_name_plural = _("党费减免")
        constraints = [models.CheckConstraint(condition=Q(monthly__gte=0), name="party_reduction_not_negative")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.from_month}–{self.to_month}"


class ResponsibilityLevel(models.TextChoices):
    SUBJECT = "subject", _("主体责任")
    FIRST = "first", _("第一责任人")
    DIRECT = "direct", _("直接责任")
    DUAL = "dual", _("一岗双责")


class ResponsibilityItem(models.Model):
    """One task of a party-building responsibility list, to the person, with its evidence."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="duties")
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("责任类别"), max_length=10, choices=ResponsibilityLevel.choices)
    owner = models.ForeignKey(User, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="party_duties")
    task = models.CharField(_("任务"), max_length=300)
    due_on = models.DateField(_("完成时限"), null=True, blank=True)
    evidence = models.TextField(_("完成情况与佐证"), blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("责任清单事项")
        verbose_name_plural = _("责任清单事项")
        ordering = ["org", "year", "level", "id"]

    def __str__(self) -> str:
        return self.task


class AssessmentScheme(models.Model):
    """A configurable scoring scheme: items with weights, each automatic (from the records) or manual."""

    name = models.CharField(_("方案名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    items = models.JSONField(_("考核项目"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"


class AssessmentResult(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="results")
    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+")
    scores = models.JSONField(_("各项得分"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    assessed_by = models.ForeignKey(User, verbose_name=_("考核人"), null=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [models.UniqueConstraint(fields=["scheme", "org"], name="party_assessment_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.total}"


class SecretaryReview(models.Model):
    """书记抓基层党建述职评议考核: one record per organization and year."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("年度"))
    secretary = models.ForeignKey(User, verbose_name=_("书记"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("述职日期"))
    rating = models.CharField(_("评议等次"), max_length=10,
                              choices=[("good", _("好")), ("fair", _("较好")), ("average", _("一般")), ("poor", _("差"))])
    notes = models.TextField(_("评议意见"), blank=True)
    used_in_evaluation = models.BooleanField(_("已用于领导班子和领导干部考核"), default=False)

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="party_review_once")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class PreResearchItem(models.Model):
    """前置研究: a 党委会 item before the board's or management's decision, with the order checked."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党委"), on_delete=models.CASCADE, related_name="pre_research")
    title = models.CharField(_("事项"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=[
        ("strategy", _("发展战略和规划")), ("restructure", _("改制、产权转让、重大投资")),
        ("organization", _("机构设置和重要制度")), ("safety", _("安全稳定和职工权益")), ("other", _("其他"))])
    party_meeting_on = models.DateField(_("党委会研究日期"))
    decision_body = models.CharField(_("决策机构"), max_length=20,
                                     choices=[("board", _("董事会")), ("management", _("经理层"))])
    decided_on = models.DateField(_("决策日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("前置研究事项")
        verbose_name_plural = _("前置研究事项")
        ordering = ["-party_meeting_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def order_ok(self) -> bool | None:
        """党委会 strictly before the decision (None while undecided)."""
        return None if self.decided_on is None else self.party_meeting_on < self.decided_on


class StudyItem(models.Model):
    """One item of a study plan (学习计划), e.g. a 第一议题 at a 党委会."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="study_items")
    year = models.PositiveSmallIntegerField(_("年度"))
    topic = models.CharField(_("学习内容"), max_length=200)
    planned_on = models.DateField(_("计划日期"))
    first_topic = models.BooleanField(_("第一议题"), default=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("学习计划事项")
        verbose_name_plural = _("学习计划事项")
        ordering = ["planned_on", "id"]

    def __str__(self) -> str:
        return self.topic


class LecturerEntry(models.Model):
    """A member of an organization's lecture team (宣讲团/讲师团)."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="lecturers")
    person = models.ForeignKey(User, verbose_name=_("讲师"), on_delete=models.PROTECT, related_name="+")
    is_leader = models.BooleanField(_("领导干部"), default=False)

    class Meta:
        verbose_name = _("宣讲团成员")
        verbose_name_plural = _("宣讲团成员")
        constraints = [models.UniqueConstraint(fields=["org", "person"], name="party_lecturer_once")]

    def __str__(self) -> str:
        return self.person.name


class ActivityKind(models.TextChoices):
    FORUM = "forum", _("座谈会")
    QUIZ = "quiz", _("知识竞赛")
    ESSAY = "essay", _("征文")
    EXHIBITION = "exhibition", _("书画摄影展")
    THEME_DAY = "theme_day", _("主题党日活动")
    VOLUNTEER = "volunteer", _("志愿服务")
    PIONEER = "pioneer", _("党员先锋岗/跟班上岗")
    CLEAN = "clean", _("廉洁教育")


class Activity(models.Model):
    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("类别"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    on = models.DateField(_("日期"))
    participants = models.ManyToManyField(Member, verbose_name=_("参加党员"), blank=True, related_name="activities")
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("党建活动")
        verbose_name_plural = _("党建活动")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return self.title


class LifeReminder(models.Model):
    """One reminder sent before a period ends: branch × meeting kind × period × recipient, once.

    The unique key is what makes the daily task idempotent: a second run, or a second node
    running at the same moment, finds the row and sends nothing."""

    branch = models.ForeignKey(PartyOrg, verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=MeetingKind.choices)
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    recipient = models.ForeignKey(User, verbose_name=_("提醒对象"), on_delete=models.CASCADE, related_name="+")
    held = models.PositiveSmallIntegerField(_("已召开次数"), default=0)
    minimum = models.PositiveSmallIntegerField(_("应召开次数"), default=1)
    rule_version = models.CharField(_("规则版本"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("组织生活提醒")
        verbose_name_plural = _("组织生活提醒")
        constraints = [models.UniqueConstraint(fields=["branch", "kind", "period_start", "recipient"],
                                               name="party_life_reminder_once")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.kind} {self.period_start} → {self.recipient_id}"


class MemberTallyRun(models.Model):
    """When the dashboard's member tally was last built (party.tally). Members saved since
    ``watermark`` are re-counted live at read time, so the figures are always the live counts."""

    built_at = models.DateTimeField(_("统计时间"))
    watermark = models.DateTimeField(_("此后变动的党员实时统计"))
    members = models.PositiveIntegerField(_("统计党员数"), default=0)

    class Meta:
        verbose_name = _("党员统计批次")
        verbose_name_plural = _("党员统计批次")

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M}"


class MemberTally(models.Model):
    """Active members of a 党委/党总支's whole subtree by one dimension (status, education, post
    category, birth year; "total"), as of the last build."""

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(_("维度"), max_length=12)
    key = models.CharField(_("取值"), max_length=20, blank=True)
    n = models.PositiveIntegerField(_("人数"))

    class Meta:
        verbose_name = _("党员统计")
        verbose_name_plural = _("党员统计")
        indexes = [models.Index(fields=["org", "dimension"])]

    def __str__(self) -> str:
        return f"{self.org_id} {self.dimension}={self.key}: {self.n}"


class MemberTallySnapshot(models.Model):
    """What each active member counted as in the last build: the tally minus these rows plus the
    live rows of the members changed since is the live count."""

    member_id = models.PositiveIntegerField(_("党员"), primary_key=True)
    path = models.CharField(_("党支部路径"), max_length=64)
    status = models.CharField(_("党员状态"), max_length=20)
    education = models.CharField(_("学历"), max_length=20, blank=True)
    post_category = models.CharField(_("岗位类别"), max_length=20, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True)

    class Meta:
        verbose_name = _("党员统计快照")
        verbose_name_plural = _("党员统计快照")

    def __str__(self) -> str:
        return str(self.member_id)

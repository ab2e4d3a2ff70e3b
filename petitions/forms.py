"""Forms of the petitioner-side pages (submit, follow, anonymous tracking).

Staff forms live in ``petitions/staff_forms.py``. These forms only parse input; the rules
(lengths, periods, who may do what) are enforced by ``petitions.intake`` and
``petitions.workflow``, whose errors the pages show as they are.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs.choices import UnitKind
from orgs.forms import UnitChoiceField
from orgs.models import Unit, User
from petitions.choices import Category, PetitionType, Rating
from petitions.identity import Identity
from petitions.intake import PetitionDraft

# Units that receive petitions: teams and departments handle matters inside their mine,
# the mine answers in its own name (petitions.rules.review_unit_for).
RECEIVING_KINDS = (UnitKind.GROUP, UnitKind.COMPANY, UnitKind.MINE, UnitKind.PLANT)
DEFAULT_KINDS = (UnitKind.MINE, UnitKind.PLANT, UnitKind.COMPANY)

ACCEPTED_FILES = (
    "image/*,.jpg,.jpeg,.png,.gif,.webp,.pdf,.doc,.docx,application/pdf,application/msword,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

# Short hints of typical matters per category (docs: taxonomy.md), shown next to the choice.
CATEGORY_HINTS: dict[str, str] = {
    Category.WAGES: _("欠发、扣发工资，绩效、奖金，加班费、夜班费，计件工资"),
    Category.SOCIAL_INSURANCE: _("养老、医疗、失业保险缴费，住房公积金，企业年金，福利"),
    Category.LABOUR_RELATIONS: _("劳动合同，劳务派遣、外包，调岗、辞退，内退、待岗，岗位定级"),
    Category.SAFETY: _("井下或地面隐患，违章指挥，瓦斯、通风、水害，强令冒险作业，设备"),
    Category.OCCUPATIONAL_HEALTH: _("尘肺病，工伤认定和待遇，职业健康体检，劳动防护用品"),
    Category.CADRE_CONDUCT: _("干部滥用职权、贪污、优亲厚友、欺压职工、作风问题"),
    Category.HOUSING_LIVING: _("住房和棚改，供暖、供水，食堂，通勤班车，宿舍"),
    Category.RETIREMENT: _("退休年龄和手续，养老金，离退休人员待遇和补贴"),
    Category.RESTRUCTURING: _("企业改制、兼并重组，矿井关闭，富余人员分流安置，历史遗留问题"),
    Category.LAND_SUBSIDENCE: _("征地、搬迁，采空区塌陷、房屋裂缝，村民补偿"),
    Category.SUGGESTION: _("对管理、生产、服务的意见和建议"),
    Category.OTHER: _("以上都不是"),
}

TYPE_HINTS: dict[str, str] = {
    PetitionType.REQUEST: _("请求解决自己遇到的问题"),
    PetitionType.ACCUSATION: _("反映某人或某单位的违纪违法问题，由纪检部门办理，被检举人看不到"),
    PetitionType.SUGGESTION: _("提出改进工作的意见和建议"),
    PetitionType.INQUIRY: _("询问政策或办事方法"),
    PetitionType.APPEAL: _("对已经作出的决定不服"),
}

# Keyword rules for the category suggestion, in order of precedence on a tie.
# A later text-triage module replaces suggest_category; keep the signature.
CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Category.SAFETY, ("瓦斯", "隐患", "冒顶", "透水", "违章", "通风", "顶板", "片帮", "超限", "冒险作业")),
    (Category.OCCUPATIONAL_HEALTH, ("尘肺", "工伤", "职业病", "职业健康", "劳保用品", "防尘")),
    (Category.CADRE_CONDUCT, ("干部", "贪污", "吃拿卡要", "受贿", "索贿", "腐败", "以权谋私", "优亲厚友")),
    (Category.WAGES, ("工资", "绩效", "奖金", "加班费", "夜班费", "欠薪", "计件", "津贴")),
    (Category.SOCIAL_INSURANCE, ("社保", "医保", "公积金", "养老保险", "医疗保险", "失业保险", "年金")),
    (Category.RETIREMENT, ("退休", "养老金", "离休")),
    (Category.LABOUR_RELATIONS, ("合同", "派遣", "内退", "待岗", "辞退", "调岗", "外包", "开除")),
    (Category.HOUSING_LIVING, ("棚改", "宿舍", "班车", "食堂", "暖气", "供暖", "住房", "停水")),
    (Category.LAND_SUBSIDENCE, ("采空区", "塌陷", "搬迁", "征地", "裂缝")),
    (Category.RESTRUCTURING, ("改制", "分流", "兼并", "重组", "关闭矿井", "关井", "安置")),
)
SUGGESTION_KEYWORDS = ("建议", "提议")


def suggest_category(text: str) -> str | None:
    """The category whose keywords occur most often in ``text`` (ties: the earlier rule);
    ``suggestion`` when only a proposal is recognised; None when nothing matches."""
    text = text or ""
    best, best_hits = None, 0
    for category, words in CATEGORY_KEYWORDS:
        hits = sum(text.count(w) for w in words)
        if hits > best_hits:
            best, best_hits = category, hits
    if best is None and any(w in text for w in SUGGESTION_KEYWORDS):
        return str(Category.SUGGESTION)
    return str(best) if best is not None else None


def default_unit_for(user: User) -> Unit | None:
    """The nearest mine, plant or company at or above the user's home unit."""
    home = user.home_unit
    if home is None:
        return None
    chain = [*home.ancestors(), home]
    for unit in reversed(chain):
        if unit.kind in DEFAULT_KINDS and unit.is_active:
            return unit
    return None


def receiving_units():
    return Unit.objects.filter(is_active=True, kind__in=RECEIVING_KINDS)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the content checks are petitions.uploads.check_upload."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubmitForm(forms.Form):
    """What an employee writes; ``draft()`` turns it into the intake's PetitionDraft."""

    NAMED, ANONYMOUS = "named", "anonymous"

    mode = forms.ChoiceField(
        label=_("实名还是匿名"),
        choices=[(NAMED, _("实名")), (ANONYMOUS, _("匿名"))],
        initial=NAMED,
        widget=forms.RadioSelect,
    )
    unit = UnitChoiceField(label=_("向哪个单位反映"), queryset=Unit.objects.none())
    ptype = forms.ChoiceField(
        label=_("信访性质"), choices=PetitionType.choices, initial=PetitionType.REQUEST, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(label=_("内容分类"), required=False)
    accused_no = forms.CharField(
        label=_("被检举人工号（选填）"),
        required=False,
        max_length=20,
        help_text=_("知道工号的可以填写；不知道的在内容里写明姓名、单位和职务即可。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    title = forms.CharField(
        label=_("标题"),
        min_length=2,
        max_length=120,
        help_text=_("一句话说明反映什么，例如“综采一队十月绩效工资少发”。"),
    )
    content = forms.CharField(
        label=_("诉求内容"),
        min_length=10,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("写清楚：发生了什么事、什么时间、涉及谁，您希望怎样解决。"),
        error_messages={"min_length": _("请把诉求、事实和理由写清楚（至少10个字）")},
    )
    address = forms.CharField(
        label=_("通信地址（选填）"),
        required=False,
        max_length=200,
        help_text=_("需要邮寄书面告知时使用；只有依法需要的工作人员能看到。"),
    )
    attachments = MultipleFileField(
        label=_("附件（选填）"),
        required=False,
        help_text=_("可上传照片、PDF或Word文档，每个文件不超过10MB，最多10个。"),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = receiving_units()
        self.fields["unit"].set_units(units)
        self.fields["unit"].empty_label = _("请选择单位")
        if not self.is_bound:
            default = default_unit_for(user)
            if default is not None:
                self.initial.setdefault("unit", default.pk)
        self.fields["category"].choices = [("", _("不确定，请系统建议")), *Category.choices]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"
                continue
            if isinstance(field.widget, forms.FileInput):
                continue
            css = "form-select form-select-lg" if isinstance(field.widget, forms.Select) else "form-control form-control-lg"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-describedby", f"{name}_help")
        self.fields["attachments"].widget.attrs["class"] = "form-control form-control-lg"

    @property
    def is_anonymous(self) -> bool:
        return self.cleaned_data.get("mode") == self.ANONYMOUS

    def clean_accused_no(self) -> str:
        return self.cleaned_data["accused_no"].strip().upper()

    def clean(self):
        data = super().clean()
        accused_no = data.get("accused_no")
        data["accused_user"] = None
        if accused_no:
            if data.get("ptype") != PetitionType.ACCUSATION:
                self.add_error("accused_no", _("只有检举控告类信访可以填写被检举人"))
            else:
                accused = User.objects.filter(employee_no__iexact=accused_no, is_active=True).first()
                if accused is None:
                    self.add_error("accused_no", _("没有找到这个工号，请核对；不清楚的可以不填"))
                elif accused.pk == self.user.pk:
                    self.add_error("accused_no", _("不能检举自己"))
                else:
                    data["accused_user"] = accused
        return data

    def draft(self, *, category: str) -> PetitionDraft:
        data = self.cleaned_data
        return PetitionDraft(
            title=data["title"],
            content=data["content"],
            category=category,
            unit=data["unit"],
            ptype=data["ptype"],
            anonymous=self.is_anonymous,
            identity=Identity(address="" if self.is_anonymous else data.get("address", "")),
            accused_user=data.get("accused_user"),
        )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("查询码"),
        max_length=40,
        help_text=_("提交匿名信访时显示的16位数字，可以带空格。"),
        widget=forms.TextInput(attrs={
            "class": "form-control form-control-lg text-center font-monospace fs-3",
            "inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
            "placeholder": "0000 0000 0000 0000",
        }),
    )

    def clean_code(self) -> str:
        raw = self.cleaned_data["code"]
        digits = "".join(ch for ch in raw if ch.isdigit())
        if len(digits) != 16 or any(not (ch.isdigit() or ch in " -\u3000") for ch in raw):
            raise ValidationError(_("查询码是16位数字，请核对后重新输入"))
        return digits


# --- the petitioner's actions on a petition ------------------------------------------------


def _lg(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect):
            field.widget.attrs["class"] = "form-check-input"
            continue
        if isinstance(field.widget, forms.CheckboxInput | forms.FileInput):
            continue
        field.widget.attrs.setdefault("class", "form-control form-control-lg")


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("您对处理结果的评价"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("评价意见（选填）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _lg(self)


class ReviewRequestForm(forms.Form):
    text = forms.CharField(
        label=_("申请理由"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明您不同意哪一点、事实和理由。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _lg(self)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（选填）"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=_("我确认撤回，撤回后本事项不再办理"), required=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _lg(self)
        self.fields["confirm"].widget.attrs["class"] = "form-check-input"


class MaterialForm(forms.Form):
    text = forms.CharField(
        label=_("补充内容"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(
        label=_("补充附件（选填）"), required=False, help_text=_("照片、PDF或Word文档，每个不超过10MB。")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _lg(self)
        self.fields["files"].widget.attrs["class"] = "form-control form-control-lg"

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("files"):
            raise ValidationError(_("请填写补充内容或上传附件"))
        return data

"""Forms of the publicity pages: they parse input; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from petitions.forms import MultipleFileField, MultipleFileInput
from publicity.choices import ConceptKind, Decision, OutletLevel, PieceKind
from publicity.models import Theme

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"


class Bootstrap:
    """Give every widget Bootstrap's classes."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class PieceForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("标题"), max_length=120)
    lead = forms.CharField(label=_("导语"), max_length=300, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 8}))
    kind = forms.ChoiceField(label=_("体裁"), choices=PieceKind.choices, initial=PieceKind.NEWS)
    theme = forms.ModelChoiceField(label=_("主题"), queryset=Theme.objects.filter(is_active=True), required=False)
    video_url = forms.URLField(label=_("视频链接"), required=False, assume_scheme="https")
    for_news = forms.BooleanField(label=_("在本平台新闻页发布"), required=False, initial=True)
    for_outside = forms.BooleanField(label=_("推荐对外投稿"), required=False)
    embargo_until = forms.DateTimeField(
        label=_("禁发至（选填）"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("此时间之前，稿件只有作者和审稿人能看到"),
    )
    photos = MultipleFileField(label=_("图片（选填）"), required=False,
                               widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}),
                               help_text=_("JPEG、PNG或WebP，每张不超过10MB，最多9张；上传时会去除拍摄位置等信息"))
    caption = forms.CharField(label=_("图片说明"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self._style()


class EditForm(Bootstrap, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=120)
    lead = forms.CharField(label=_("导语"), max_length=300, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ReviewForm(Bootstrap, forms.Form):
    decision = forms.ChoiceField(label=_("结论"), choices=Decision.choices, initial=Decision.PASS)
    proofread = forms.BooleanField(label=_("已完成本级校对"), required=False)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class CommentForm(Bootstrap, forms.Form):
    text = forms.CharField(label=_("意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=50, required=False)


class PlacementForm(Bootstrap, forms.Form):
    outlet = forms.ModelChoiceField(label=_("媒体"), queryset=None, required=False)
    new_outlet = forms.CharField(label=_("或新媒体名称"), max_length=80, required=False)
    new_outlet_level = forms.ChoiceField(label=_("新媒体级别"), choices=[("", "—"), *OutletLevel.choices],
                                         required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=PieceKind.choices)
    published_on = forms.DateField(label=_("刊发日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    title = forms.CharField(label=_("标题"), max_length=200)
    unit = forms.ModelChoiceField(label=_("供稿单位"), queryset=Unit.objects.none())
    authors = forms.CharField(label=_("作者"), widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("每行一位：工号或姓名"))
    link = forms.URLField(label=_("链接"), required=False, max_length=500, assume_scheme="https")
    clipping = forms.FileField(label=_("剪报（图片或PDF）"), required=False)
    piece = forms.ModelChoiceField(label=_("本平台稿件（选填）"), queryset=None, required=False,
                                   to_field_name="public_id")
    theme = forms.ModelChoiceField(label=_("主题"), queryset=Theme.objects.filter(is_active=True), required=False)

    def __init__(self, *args, units=None, pieces=None, **kwargs) -> None:
        from publicity.models import Outlet, Piece

        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Outlet.objects.all()
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["piece"].queryset = pieces if pieces is not None else Piece.objects.none()
        self._style()


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(min_value=1, max_value=12, required=False)
    unit = forms.CharField(max_length=32, required=False)


class LectureForm(Bootstrap, forms.Form):
    topic = forms.CharField(label=_("题目"), max_length=120)
    unit = forms.ModelChoiceField(label=_("组织单位"), queryset=Unit.objects.none())
    lecturer = forms.CharField(label=_("宣讲人工号"), max_length=20)
    held_at = forms.DateTimeField(label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                             format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    online = forms.BooleanField(label=_("线上"), required=False)
    audience = forms.CharField(label=_("听众单位及人次"), widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("每行一个：单位代码 人次，例如 TS-ZC1 45"))
    theme = forms.ModelChoiceField(label=_("主题"), queryset=Theme.objects.filter(is_active=True), required=False)
    campaign = forms.ModelChoiceField(label=_("所属活动"), queryset=None, required=False)
    photos = MultipleFileField(label=_("照片（选填）"), required=False,
                               widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.choices import CampaignKind
        from publicity.models import Campaign

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["campaign"].queryset = Campaign.objects.filter(kind=CampaignKind.LECTURE)
        self._style()

    def clean_audience(self) -> list[tuple[Unit, int]]:
        out = []
        for line in self.cleaned_data["audience"].splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(_("“%(line)s”格式不对：单位代码 人次") % {"line": line.strip()[:40]})
            unit = Unit.objects.filter(code=parts[0].upper(), is_active=True).first()
            if unit is None:
                raise forms.ValidationError(_("没有代码为“%(code)s”的单位") % {"code": parts[0][:32]})
            out.append((unit, int(parts[1])))
        if not out:
            raise forms.ValidationError(_("请至少填写一个听众单位"))
        return out


class CampaignForm(Bootstrap, forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类别"), choices=())
    unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    units = forms.ModelMultipleChoiceField(label=_("参与单位"), queryset=Unit.objects.none(), required=False)
    theme = forms.ModelChoiceField(label=_("主题"), queryset=Theme.objects.filter(is_active=True), required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    description = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.choices import CampaignKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CampaignKind.choices
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()
        self._style()


class PeriodForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)


def people_from(text: str) -> list:
    """Employee numbers, one per line or separated by spaces/commas → active people (unknown ones refused)."""
    from orgs.models import User

    nos = [t for t in text.replace(",", " ").replace("，", " ").split() if t]
    people = {u.employee_no: u for u in User.objects.filter(employee_no__in=nos, is_active=True)}
    unknown = [n for n in nos if n not in people]
    if unknown:
        raise forms.ValidationError(_("没有这些工号的在职人员：%(nos)s") % {"nos": ", ".join(unknown[:5])[:100]})
    return [people[n] for n in dict.fromkeys(nos)]


class FirstTopicForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("党委所在单位"), queryset=Unit.objects.none())
    meeting_on = forms.DateField(label=_("党委会日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    material = forms.CharField(label=_("学习内容"), max_length=200)
    branch_key = forms.CharField(label=_("支部学习关键词"), max_length=60, required=False,
                                 help_text=_("支部学习会议的主题或议程中含有的词语，用于关联党建模块的支部学习；不填则用学习内容"))
    summary = forms.CharField(label=_("学习要点"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    led_by = forms.CharField(label=_("领学人工号"), max_length=20)
    attendees = forms.CharField(label=_("参加人员工号"), widget=forms.Textarea(attrs={"rows": 2}))
    tasks = forms.CharField(label=_("落实任务"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("每行一项：任务｜责任人工号｜完成时限（YYYY-MM-DD）"))

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self._style()

    def clean_led_by(self):
        return people_from(self.cleaned_data["led_by"])[0] if self.cleaned_data["led_by"].strip() else None

    def clean_attendees(self):
        return people_from(self.cleaned_data["attendees"])

    def clean_tasks(self):
        import datetime as dt

        from publicity.study import TaskDraft

        out = []
        for line in self.cleaned_data["tasks"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            try:
                title, no, due = parts
                due_on = dt.date.fromisoformat(due)
            except ValueError:
                raise forms.ValidationError(_("“%(line)s”格式不对") % {"line": line.strip()[:40]}) from None
            out.append(TaskDraft(title=title, owner=people_from(no)[0], due_on=due_on))
        return out


class TaskDoneForm(Bootstrap, forms.Form):
    note = forms.CharField(label=_("落实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PlanForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("党委所在单位"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    topics = forms.CharField(label=_("学习专题"), widget=forms.Textarea(attrs={"rows": 4}))
    members = forms.CharField(label=_("中心组成员工号"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self._style()

    def clean_members(self):
        return people_from(self.cleaned_data["members"])


class SessionForm(Bootstrap, forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hours = forms.DecimalField(label=_("时长（小时）"), min_value=0, max_value=24, decimal_places=1)
    topic = forms.CharField(label=_("专题"), max_length=200)
    seminar = forms.BooleanField(label=_("研讨式"), required=False)
    absent = forms.CharField(label=_("缺席成员工号（选填）"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_absent(self):
        return people_from(self.cleaned_data["absent"])


class IncidentForm(Bootstrap, forms.Form):
    title = forms.CharField(label=_("舆情标题"), max_length=200)
    summary = forms.CharField(label=_("情况"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label=_("来源"), max_length=200, required=False)
    unit = forms.ModelChoiceField(label=_("涉及单位"), queryset=Unit.objects.none())
    level = forms.ChoiceField(label=_("级别"), choices=())
    owner = forms.CharField(label=_("响应责任人工号"), max_length=20)
    found_at = forms.DateTimeField(label=_("发现时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                                 format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.choices import IncidentLevel

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["level"].choices = IncidentLevel.choices
        self._style()

    def clean_owner(self):
        return people_from(self.cleaned_data["owner"])[0]


class TextForm(Bootstrap, forms.Form):
    text = forms.CharField(label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PositionForm(Bootstrap, forms.Form):
    name = forms.CharField(label=_("阵地名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=())
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    responsible = forms.CharField(label=_("责任人工号"), max_length=20)
    address = forms.CharField(label=_("网址或位置"), max_length=200, required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.choices import PositionKind

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["kind"].choices = PositionKind.choices
        self._style()

    def clean_responsible(self):
        return people_from(self.cleaned_data["responsible"])[0]


class AgendaForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("党委所在单位"), queryset=Unit.objects.none())
    meeting_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("类别"), choices=())
    title = forms.CharField(label=_("议题"), max_length=200)
    summary = forms.CharField(label=_("研究情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.choices import AgendaKind

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["kind"].choices = AgendaKind.choices
        self._style()


class ActivityForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("活动"), max_length=120)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    participants = forms.IntegerField(label=_("参与人数"), min_value=0, max_value=1_000_000)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self._style()


class GalleryForm(Bootstrap, forms.Form):
    caption = forms.CharField(label=_("说明"), max_length=200)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    campaign = forms.ModelChoiceField(label=_("活动"), queryset=None, required=False)
    photo = forms.FileField(label=_("照片"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}))
    video_url = forms.URLField(label=_("视频链接"), required=False, assume_scheme="https")

    def __init__(self, *args, units=None, **kwargs) -> None:
        from publicity.models import Campaign

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["campaign"].queryset = Campaign.objects.all()
        self._style()


class BriefForm(Bootstrap, forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("季度"), min_value=1, max_value=4)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self._style()


class BriefEditForm(Bootstrap, forms.Form):
    analysis = forms.CharField(label=_("动态分析"), required=False, max_length=20000,
                               widget=forms.Textarea(attrs={"rows": 6}))
    suggestions = forms.CharField(label=_("工作建议"), required=False, max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class ConceptForm(Bootstrap, forms.Form):
    """A culture concept (理念): group-wide when no unit is chosen (only the group's 宣传部)."""

    kind = forms.ChoiceField(label=_("类别"), choices=ConceptKind.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("释义"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    order = forms.IntegerField(label=_("顺序"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("在用（员工可在企业文化页阅读）"), required=False, initial=True)
    note = forms.CharField(label=_("修改说明"), max_length=200, required=False)
    unit = forms.ModelChoiceField(label=_("单位（不选：集团理念）"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, units=None, with_unit: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_unit:
            self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        else:
            del self.fields["unit"]
        self._style()

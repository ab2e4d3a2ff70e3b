"""Forms of the engagement pages. They parse input only; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.choices import Lesson, MeetingKind, ScreeningStatus
from orgs.forms import UnitChoiceField
from orgs.models import Unit
from petitions.choices import Category, RiskLevel
from petitions.staff_forms import bootstrap


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


def unit_field(label) -> UnitChoiceField:
    return UnitChoiceField(label=label, queryset=Unit.objects.none())


# --------------------------------------------------------------------------- Q&A


class AskForm(StyledForm):
    unit = unit_field(_("向哪个单位提问"))
    category = forms.ChoiceField(label=_("分类"), choices=Category.choices)
    title = forms.CharField(label=_("问题"), max_length=120, min_length=4)
    body = forms.CharField(label=_("详细说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    anonymous = forms.BooleanField(label=_("匿名提问（工作人员和其他职工看不到您的姓名）"), required=False)

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units if units is not None else Unit.objects.filter(is_active=True))


class FaqSearchForm(StyledForm):
    q = forms.CharField(label=_("搜索问题"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"placeholder": _("搜索问题，如：夜班津贴")}))
    category = forms.ChoiceField(label=_("分类"), required=False, choices=[("", _("全部分类")), *Category.choices])


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("答复"), min_length=10, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(label=_("公开答复（审核后进入常见问题）"), required=False, initial=True)


class ReviewForm(StyledForm):
    approve = forms.TypedChoiceField(label=_("审核结论"), coerce=lambda v: v == "1",
                                     choices=[("1", _("通过")), ("0", _("退回"))])
    note = forms.CharField(label=_("审核意见"), required=False, max_length=300)


class ConvertForm(StyledForm):
    content = forms.CharField(label=_("诉求、事实和理由"), min_length=10, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}))


# --------------------------------------------------------------------------- case library


class CaseEditForm(StyledForm):
    title = forms.CharField(label=_("案例标题"), max_length=120, min_length=4)
    summary = forms.CharField(label=_("案情（已脱敏）"), min_length=10, widget=forms.Textarea(attrs={"rows": 5}))
    handling = forms.CharField(label=_("处理经过与结果（已脱敏）"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    lessons = forms.MultipleChoiceField(label=_("经验教训标签"), required=False, widget=forms.CheckboxSelectMultiple)
    lessons_text = forms.CharField(label=_("经验教训"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        from engagement.choices import Lesson

        super().__init__(*args, **kwargs)
        self.fields["lessons"].choices = Lesson.choices
        self.fields["lessons"].widget.attrs.pop("class", None)


class ShareForm(StyledForm):
    units = forms.ModelMultipleChoiceField(label=_("共享给兄弟单位"), queryset=Unit.objects.none())

    def __init__(self, *args, units=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()


class LibrarySearchForm(StyledForm):
    q = forms.CharField(label=_("搜索案例"), required=False, max_length=50)
    category = forms.ChoiceField(label=_("分类"), required=False, choices=[("", _("全部分类")), *Category.choices])
    lesson = forms.ChoiceField(label=_("经验教训"), required=False, choices=[("", _("全部经验教训")), *Lesson.choices])


# --------------------------------------------------------------------------- visits


class PlanForm(StyledForm):
    unit = unit_field(_("组织单位"))
    month = forms.DateField(label=_("月份（任一日）"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cadres = forms.ModelMultipleChoiceField(label=_("下访干部"), queryset=Unit.objects.none())
    targets = forms.ModelMultipleChoiceField(label=_("基层单位"), queryset=Unit.objects.none())


class VisitLogForm(StyledForm):
    visited_on = forms.DateField(label=_("下访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label=_("地点"), max_length=120)
    employees_met = forms.IntegerField(label=_("接待职工人数"), min_value=0, max_value=100000)
    summary = forms.CharField(label=_("情况摘要（宣传政策、通报情况、倾听呼声）"), min_length=5,
                              widget=forms.Textarea(attrs={"rows": 3}))
    matter1 = forms.CharField(label=_("反映的问题1"), required=False, max_length=2000)
    category1 = forms.ChoiceField(label=_("问题1分类"), required=False, choices=Category.choices)
    people1 = forms.IntegerField(label=_("问题1涉及人数"), required=False, min_value=1, max_value=100000)
    matter2 = forms.CharField(label=_("反映的问题2"), required=False, max_length=2000)
    category2 = forms.ChoiceField(label=_("问题2分类"), required=False, choices=Category.choices)
    people2 = forms.IntegerField(label=_("问题2涉及人数"), required=False, min_value=1, max_value=100000)


class MatterScreeningForm(StyledForm):
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=Unit.objects.none())
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)


# --------------------------------------------------------------------------- meetings


class MeetingForm(StyledForm):
    unit = unit_field(_("单位"))
    kind = forms.ChoiceField(label=_("会议类别"), choices=MeetingKind.choices)
    period = forms.CharField(label=_("所属期间（月：2026-11；季度：2026-Q4）"), max_length=10)
    scheduled_at = forms.DateTimeField(label=_("召开时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=120)
    attendees = forms.ModelMultipleChoiceField(label=_("参会人员"), queryset=Unit.objects.none(), required=False)


class MinutesForm(StyledForm):
    minutes = forms.CharField(label=_("会议纪要"), min_length=10, widget=forms.Textarea(attrs={"rows": 5}))
    absent = forms.ModelMultipleChoiceField(label=_("缺席人员"), queryset=Unit.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["absent"].queryset = people if people is not None else Unit.objects.none()
        self.fields["absent"].widget.attrs.pop("class", None)


class DecisionForm(StyledForm):
    text = forms.CharField(label=_("决定事项"), min_length=4, max_length=2000)
    owner = forms.ModelChoiceField(label=_("责任人"), queryset=Unit.objects.none())
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class DoneForm(StyledForm):
    note = forms.CharField(label=_("落实情况"), min_length=4, max_length=2000)


# --------------------------------------------------------------------------- screening


class EntryForm(StyledForm):
    unit = unit_field(_("单位"))
    dispute = forms.CharField(label=_("矛盾纠纷或不稳定因素"), min_length=4, max_length=200)
    source = forms.ChoiceField(label=_("来源"), choices=Category.choices)
    source_note = forms.CharField(label=_("来源说明"), required=False, max_length=200)
    people = forms.CharField(label=_("涉及人员"), required=False, max_length=200)
    people_count = forms.IntegerField(label=_("涉及人数"), min_value=1, max_value=100000, initial=1)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    measures = forms.CharField(label=_("稳控化解措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=Unit.objects.none())


class EntryUpdateForm(StyledForm):
    status = forms.ChoiceField(label=_("状态"), choices=ScreeningStatus.choices)
    measures = forms.CharField(label=_("稳控化解措施"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    petition_numbers = forms.CharField(label=_("关联信访编号（多个用空格分隔）"), required=False, max_length=500)


class RoundForm(StyledForm):
    unit = unit_field(_("单位"))
    note = forms.CharField(label=_("说明（如：本月未排查出不稳定因素）"), required=False, max_length=300)


# --------------------------------------------------------------------------- training


class ExamForm(StyledForm):
    unit = unit_field(_("组织单位"))
    title = forms.CharField(label=_("测试名称"), max_length=120, required=False)
    count = forms.IntegerField(label=_("题量"), min_value=1, max_value=50, initial=10)


class MarkForm(StyledForm):
    points = forms.IntegerField(label=_("得分"), min_value=0, max_value=100)

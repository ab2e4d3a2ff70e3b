"""Forms of the triage pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from petitions.choices import Category, PetitionType, RiskLevel, State
from triage.models import RiskRule, SensitivePeriod

BLANK = [("", _("全部"))]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), max_length=60, required=False,
                        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：瓦斯、尘肺病、棚改房")}))
    category = forms.ChoiceField(label=_("分类"), choices=BLANK + list(Category.choices), required=False,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    state = forms.ChoiceField(label=_("状态"), choices=BLANK + list(State.choices), required=False,
                              widget=forms.Select(attrs={"class": "form-select"}))
    risk = forms.ChoiceField(label=_("风险"), choices=BLANK + list(RiskLevel.choices), required=False,
                             widget=forms.Select(attrs={"class": "form-select"}))
    since = forms.DateField(label=_("收到日期起"), required=False, widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))
    until = forms.DateField(label=_("收到日期止"), required=False, widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}))


class CorrectForm(forms.Form):
    category = forms.ChoiceField(label=_("分类"), choices=Category.choices, widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    ptype = forms.ChoiceField(label=_("性质"), choices=PetitionType.choices, widget=forms.Select(attrs={"class": "form-select form-select-sm"}))


class LinesField(forms.CharField):
    """A list of strings edited one per line."""

    widget = forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RuleForm(forms.ModelForm):
    patterns = LinesField(label=_("触发短语（每行一个正则表达式）"))
    exclude = LinesField(label=_("排除短语（易混词，每行一个）"), required=False)

    class Meta:
        model = RiskRule
        fields = ["label", "kind", "flag", "level", "patterns", "exclude", "negatable", "min_number", "enabled"]
        widgets = {
            "label": forms.TextInput(attrs={"class": "form-control"}),
            "kind": forms.Select(attrs={"class": "form-select"}),
            "flag": forms.Select(attrs={"class": "form-select"}),
            "level": forms.Select(attrs={"class": "form-select"}),
            "min_number": forms.NumberInput(attrs={"class": "form-control"}),
            "negatable": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "enabled": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }


class RuleTestForm(forms.Form):
    text = forms.CharField(label=_("样例文本"), max_length=5000,
                           widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}))
    people_count = forms.IntegerField(label=_("人数"), min_value=1, max_value=100000, initial=1,
                                      widget=forms.NumberInput(attrs={"class": "form-control"}))
    prior = forms.IntegerField(label=_("此前同一事项次数"), min_value=0, max_value=1000, initial=0,
                               widget=forms.NumberInput(attrs={"class": "form-control"}))


class PeriodForm(forms.ModelForm):
    class Meta:
        model = SensitivePeriod
        fields = ["name", "start", "end"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "start": forms.DateInput(attrs={"class": "form-control", "type": "date"}),
            "end": forms.DateInput(attrs={"class": "form-control", "type": "date"}),
        }

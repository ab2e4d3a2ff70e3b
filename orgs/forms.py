from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orgs.choices import Role
from orgs.models import Unit, User


class _ListedUnitIterator(forms.models.ModelChoiceIterator):
    """The field's units read once (the list also gives the indentation's base depth)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for unit in self.field.listed_units():
            yield self.choice(unit)

    def __len__(self) -> int:
        return len(self.field.listed_units()) + (self.field.empty_label is not None)


class UnitChoiceField(forms.ModelChoiceField):
    """A unit picker that shows the tree by indentation (the queryset is in path order)."""

    iterator = _ListedUnitIterator
    base_depth = 1
    _listed: list[Unit] | None = None

    def _set_queryset(self, queryset) -> None:
        self._listed = None
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def set_units(self, units: QuerySet[Unit]) -> None:
        self.queryset = units.order_by("path")

    def listed_units(self) -> list[Unit]:
        # One query for the options and their base depth (an aggregate and a re-read before).
        if self._listed is None:
            self._listed = list(self.queryset)
            self.base_depth = min((u.depth for u in self._listed), default=1)
        return self._listed

    def label_from_instance(self, obj: Unit) -> str:
        return "\u3000" * max(obj.depth - self.base_depth, 0) + obj.name


def _bootstrap(form: forms.Form) -> None:
    for f in form.fields.values():
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


def _model_validators(field_name: str):
    return list(User._meta.get_field(field_name).validators)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、工号或手机号"), required=False, max_length=50)
    unit = UnitChoiceField(
        label=_("单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位")
    )
    role = forms.ChoiceField(label=_("角色"), required=False)

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)
        self.fields["role"].choices = [("", _("全部角色")), *Role.choices]
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、工号或手机号")
        _bootstrap(self)


class PersonCreateForm(forms.Form):
    employee_no = forms.CharField(
        label=_("工号"),
        max_length=20,
        validators=_model_validators("employee_no"),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    home_unit = UnitChoiceField(
        label=_("所在单位"), queryset=Unit.objects.none(), empty_label=_("请选择单位")
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=11,
        required=False,
        validators=_model_validators("phone"),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].set_units(units)
        self.fields["password"].help_text = _("至少8位，不能全是数字；请当面告知本人并提醒其登录后修改。")
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"
        _bootstrap(self)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    unit = UnitChoiceField(label=_("在哪个单位"), queryset=Unit.objects.none(), empty_label=_("请选择单位"))

    def __init__(self, *args, units: QuerySet[Unit], allow_admin: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)
        self.fields["role"].choices = [("", _("请选择角色"))] + [
            (value, label) for value, label in Role.choices if allow_admin or value != Role.ADMINISTRATOR
        ]
        _bootstrap(self)

"""The choices on the statistics pages: period, unit subtree and depth, attributes, grouping.
An invalid choice falls back to the default (the page still shows, as the inbox does)."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from insights.kpi import Dim, Filters
from insights.tables import DIM_LABELS
from orgs.choices import Role
from orgs.models import Unit, User
from petitions.choices import Category, Channel, PetitionType
from petitions.selectors import DESK_SCOPE_ROLES
from tongxin.lib.kpi import MAX_RANGE_DAYS, Window, WindowKind, parse_window

SCOPE_ROLES = (*DESK_SCOPE_ROLES, Role.DISCIPLINE_INSPECTOR)


def scope_roots(user: User) -> list[Unit]:
    """The tops of the subtrees whose statistics ``user`` reads (desk and inspector roles)."""
    if user.is_superuser:
        return list(Unit.objects.filter(depth=1).order_by("path"))
    roots: list[Unit] = []
    for unit in sorted({u.pk: u for u in user.units_with(*SCOPE_ROLES)}.values(), key=lambda u: u.path):
        if not any(unit.is_within(r) for r in roots):
            roots.append(unit)
    return roots


def scope_units(user: User, roots: list[Unit]) -> QuerySet[Unit]:
    if user.is_superuser:
        return Unit.objects.order_by("path")
    return Unit.objects.subtrees_of(roots).order_by("path") if roots else Unit.objects.none()


def period_choices(now: datetime) -> list[tuple[str, str]]:
    month = Window.containing(WindowKind.MONTH, now)
    quarter = Window.containing(WindowKind.QUARTER, now)
    year = Window.containing(WindowKind.YEAR, now)
    months, quarters, years = [month], [quarter], [year]
    for _i in range(12):
        months.append(months[-1].previous())
    for _i in range(4):
        quarters.append(quarters[-1].previous())
    for _i in range(2):
        years.append(years[-1].previous())
    return [
        (str(_("月度")), [(w.spec, w.label) for w in months]),
        (str(_("季度")), [(w.spec, w.label) for w in quarters]),
        (str(_("年度")), [(w.spec, w.label) for w in years]),
    ]


class UnitCodeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"


class InsightsForm(forms.Form):
    # Any period spec (2026-03, 2026-Q1, 2026, 2026-01-05..2026-02-20); the select offers recent ones.
    p = forms.CharField(label=_("统计周期"), required=False, max_length=30, widget=forms.Select)
    start = forms.DateField(label=_("起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    root = UnitCodeField(label=_("单位"), queryset=Unit.objects.none(), required=False, to_field_name="code",
                         empty_label=None)
    # Choices depend on the chosen unit: validated as a number, checked against them in ``level``.
    lv = forms.IntegerField(label=_("统计层级"), required=False, min_value=1, max_value=16, widget=forms.Select)
    cat = forms.ChoiceField(label=_("内容分类"), required=False)
    pt = forms.ChoiceField(label=_("性质"), required=False)
    ch = forms.ChoiceField(label=_("渠道"), required=False)
    by = forms.ChoiceField(label=_("分组"), required=False)

    def __init__(self, data, *, user: User, now: datetime, with_units: bool = True, default_kind: str = "month"):
        super().__init__(data or None)
        self.user, self.now, self.default_kind = user, now, default_kind
        self.roots = scope_roots(user) if with_units else []
        units = scope_units(user, self.roots) if with_units else Unit.objects.none()
        self.fields["root"].queryset = units
        self.fields["p"].widget.choices = period_choices(now)
        self.fields["cat"].choices = [("", _("全部分类")), *Category.choices]
        self.fields["pt"].choices = [("", _("全部性质")), *PetitionType.choices]
        self.fields["ch"].choices = [("", _("全部渠道")), *Channel.choices]
        self.fields["by"].choices = [(d.value, DIM_LABELS[d]) for d in Dim]
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the valid choices
        root = self.unit
        self.level_choices = self._level_choices(root)
        self.fields["lv"].widget.choices = self.level_choices
        window = self.window
        offered = {spec for _group, options in self.fields["p"].widget.choices for spec, _label in options}
        if window.spec not in offered and not (self._get("start") and self._get("end")):
            self.fields["p"].widget.choices = [(window.spec, window.label), *self.fields["p"].widget.choices]
        # What the page computes with is what the form shows, chosen or defaulted.
        shown = {"p": window.spec, "root": root.code if root else "", "by": self.group_by, "lv": self.level}
        if self.window.kind == "range":
            shown["p"] = ""
        if self.is_bound:
            data = self.data.copy()
            for name, value in shown.items():
                if (not data.get(name) or name in self.errors) and value not in (None, ""):
                    data[name] = value
            self.data = data
        else:
            self.initial = shown
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs["class"] = css

    def _level_choices(self, root: Unit | None) -> list[tuple[int, str]]:
        if root is None:
            return []
        deepest = Unit.objects.subtree_of(root).aggregate(d=Max("depth"))["d"] or root.depth
        choices = [(root.depth, str(_("本单位合计")))]
        for d in range(root.depth + 1, deepest + 1):
            choices.append((d, str(_("下%(n)s级单位")) % {"n": "一二三四五六七八九"[min(d - root.depth, 9) - 1]}))
        return choices

    def clean_p(self) -> str:
        spec = self.cleaned_data.get("p") or ""
        if spec:
            try:
                parse_window(spec)
            except ValueError as exc:
                raise forms.ValidationError(_("统计周期无效")) from exc
        return spec

    def _get(self, name: str):
        """A choice as given when valid (an invalid one is ignored alone, not the whole form)."""
        return getattr(self, "cleaned_data", {}).get(name) if self.is_bound else None

    @property
    def unit(self) -> Unit | None:
        """The chosen unit (default: the top of the user's scope)."""
        chosen = self._get("root")
        if chosen is not None:
            return chosen
        return self.roots[0] if len(self.roots) >= 1 else None

    @property
    def window(self) -> Window:
        start, end = self._get("start"), self._get("end")
        if isinstance(start, date) and isinstance(end, date) and start <= end and (end - start).days < MAX_RANGE_DAYS:
            return Window.range(start, end)
        spec = self._get("p")
        if spec:
            try:
                return parse_window(spec)
            except ValueError:
                pass
        return Window.containing(self.default_kind, self.now)

    @property
    def level(self) -> int | None:
        root = self.unit
        lv = self._get("lv")
        if root is None:
            return None
        valid = {c[0] for c in self.level_choices}
        return lv if lv in valid else root.depth + 1 if (root.depth + 1) in valid else root.depth

    @property
    def group_by(self) -> str:
        return self._get("by") or Dim.UNIT

    def filters(self, **overrides) -> Filters:
        values = {
            "root": self.unit,
            "category": self._get("cat") or "",
            "ptype": self._get("pt") or "",
            "channel": self._get("ch") or "",
        }
        values.update(overrides)
        return Filters(**values)

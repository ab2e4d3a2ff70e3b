"""Forms of the staff pages. They only parse and convert input; every business rule
(who may act, periods, lengths, limits) is enforced by petitions.workflow and
petitions.intake, whose Chinese refusals the pages show as they are."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.choices import Role
from orgs.forms import UnitChoiceField
from orgs.models import RoleAssignment, Unit, User
from petitions.choices import (
    AccountabilityStatus,
    Category,
    Channel,
    DeclineReason,
    LegalChannel,
    PetitionType,
    ReplyOutcome,
    ReviewOutcome,
    State,
)
from petitions.models import Petition
from petitions.rules import Action

# Labels of the staff actions: button text and success messages.
ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: _("受理"),
    Action.DECLINE: _("不予受理"),
    Action.FORWARD: _("转送"),
    Action.ASSIGN: _("交办"),
    Action.REASSIGN: _("重新交办"),
    Action.TRANSFER: _("移交"),
    Action.EXTEND: _("延期"),
    Action.REPLY: _("答复"),
    Action.DECIDE_REVIEW: _("复查决定"),
    Action.DECIDE_REREVIEW: _("复核决定"),
    Action.MERGE: _("合并"),
    Action.SUPERVISE: _("督办"),
}
ACTION_ICONS: dict[Action, str] = {
    Action.ACCEPT: "check2-circle",
    Action.DECLINE: "x-circle",
    Action.FORWARD: "send",
    Action.ASSIGN: "person-check",
    Action.REASSIGN: "arrow-repeat",
    Action.TRANSFER: "box-arrow-right",
    Action.EXTEND: "calendar-plus",
    Action.REPLY: "reply",
    Action.DECIDE_REVIEW: "clipboard-check",
    Action.DECIDE_REREVIEW: "clipboard2-check",
    Action.MERGE: "union",
    Action.SUPERVISE: "megaphone",
}
MAX_REPRESENTATIVES_INPUT = 50  # the service enforces the statutory 5; this only bounds the input


def bootstrap(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f, forms.ModelChoiceField) and f.empty_label == "---------":
            f.empty_label = _("请选择")
        widget = f.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        unit = obj.home_unit.name if obj.home_unit_id else ""
        return f"{obj.name}（{obj.employee_no}{'，' + unit if unit else ''}）"


def people_with_role(role: str, units: QuerySet[Unit], *, exclude: list[int]) -> QuerySet[User]:
    """Active people holding ``role`` at one of ``units``: the choices of assignee pickers."""
    return (
        User.objects.filter(is_active=True, roles__role=role, roles__unit__in=units)
        .exclude(pk__in=[pk for pk in exclude if pk])
        .select_related("home_unit")
        .distinct()
        .order_by("home_unit__path", "employee_no")
    )


# --- inbox filters -----------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或标题"), required=False, max_length=60)
    unit = UnitChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部单位"))
    state = forms.ChoiceField(label=_("状态"), required=False)
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("全部期限")), ("soon", _("3日内到期")), ("overdue", _("已超期"))],
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False)

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)
        self.fields["state"].choices = [("", _("全部在办"))] + list(State.choices)
        self.fields["category"].choices = [("", _("全部分类"))] + list(Category.choices)
        self.fields["channel"].choices = [("", _("全部渠道"))] + list(Channel.choices)
        self.fields["q"].widget.attrs["placeholder"] = _("信访编号或标题")
        bootstrap(self)

    def filters(self) -> dict:
        """Keyword arguments of selectors.inbox (an invalid form filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"].strip(),
            "unit": data["unit"],
            "state": data["state"],
            "due": data["due"],
            "category": data["category"],
            "channel": data["channel"],
        }


# --- actions on a petition -----------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: built for one petition and one acting user."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, petition: Petition, user: User, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.petition = petition
        self.user = user
        self.fields["version"].initial = petition.version
        self.setup()
        bootstrap(self)

    action: Action

    def setup(self) -> None:
        """Set querysets and choices that depend on the petition."""

    def service_kwargs(self) -> dict:
        """Keyword arguments of the workflow function, from cleaned_data."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def _note(label, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": rows})
    )


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    note = _note(_("受理意见（可选）"))


class DeclineForm(ActionForm):
    action = Action.DECLINE
    reason = forms.ChoiceField(label=_("不予受理理由"), choices=[("", _("请选择"))] + list(DeclineReason.choices))
    legal_channel = forms.ChoiceField(
        label=_("引导途径（应通过法定途径解决的须选择）"),
        required=False,
        choices=[("", _("不适用"))] + list(LegalChannel.choices),
    )
    note = _note(_("具体理由"), required=True, rows=3)


class _UnitTargetForm(ActionForm):
    to_unit = UnitChoiceField(label=_("目标单位"), queryset=Unit.objects.none())

    def setup(self) -> None:
        self.fields["to_unit"].set_units(Unit.objects.filter(is_active=True).exclude(pk=self.petition.unit_id))


class ForwardForm(_UnitTargetForm):
    action = Action.FORWARD
    note = _note(_("转送说明"))


class TransferForm(_UnitTargetForm):
    action = Action.TRANSFER
    note = _note(_("移交原因"), required=True)


class _AssigneeMixin:
    def _assignee_querysets(self, handling_units: QuerySet[Unit]) -> None:
        """Offer nobody who would have to withdraw (rules.conflict_of_interest): the petitioner,
        the accused, and the leaders of the accused unit or of its parent (第三十条第三款)."""
        p = self.petition
        exclude = [p.petitioner_id, p.accused_user_id]
        handlers = people_with_role(Role.HANDLER, handling_units, exclude=exclude)
        leaders = people_with_role(Role.UNIT_LEADER, handling_units, exclude=exclude)
        if p.ptype == PetitionType.ACCUSATION and p.accused_unit_id:
            accused = [p.accused_unit_id, p.accused_unit.parent_id]
            in_line = RoleAssignment.objects.filter(role=Role.UNIT_LEADER, unit_id__in=[u for u in accused if u])
            handlers = handlers.exclude(pk__in=in_line.values("user_id"))
            leaders = leaders.exclude(pk__in=in_line.values("user_id"))
        self.fields["handler"].queryset = handlers
        self.fields["leader"].queryset = leaders


class AssignForm(_AssigneeMixin, ActionForm):
    action = Action.ASSIGN
    handling_unit = UnitChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    handler = PersonChoiceField(label=_("承办人"), queryset=User.objects.none())
    leader = PersonChoiceField(label=_("责任领导"), queryset=User.objects.none())
    note = _note(_("交办要求（可选）"))

    def setup(self) -> None:
        units = Unit.objects.subtree_of(self.petition.unit).filter(is_active=True)
        self.fields["handling_unit"].set_units(units)
        self._assignee_querysets(Unit.objects.subtree_of(self.petition.unit))


class ReassignForm(_AssigneeMixin, ActionForm):
    action = Action.REASSIGN
    handler = PersonChoiceField(label=_("新承办人"), queryset=User.objects.none())
    leader = PersonChoiceField(
        label=_("责任领导（不选则不变）"), queryset=User.objects.none(), required=False
    )
    note = _note(_("重新交办原因"), required=True)

    def setup(self) -> None:
        self._assignee_querysets(Unit.objects.subtree_of(self.petition.handling_unit or self.petition.unit))


class ExtendForm(ActionForm):
    action = Action.EXTEND
    days = forms.IntegerField(
        label=_("延长天数"), min_value=1, max_value=30, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    reason = _note(_("延期理由（将告知信访人）"), required=True)

    def setup(self) -> None:
        self.fields["days"].help_text = _("经承办单位负责人批准，只能延长一次，最长30日（第三十四条）。")
        self.fields["days"].error_messages.update(
            max_value=_("延长期限最长30日（第三十四条）"), min_value=_("延长期限至少1日")
        )


class ReplyForm(ActionForm):
    action = Action.REPLY
    outcome = forms.ChoiceField(label=_("处理结论"), choices=[("", _("请选择"))] + list(ReplyOutcome.choices))
    text = _note(_("处理意见（事实、理由和依据）"), required=True, rows=6)


class _DecideForm(ActionForm):
    outcome = forms.ChoiceField(label=_("结论"), choices=[("", _("请选择"))] + list(ReviewOutcome.choices))
    opinion = _note(_("意见及依据"), required=True, rows=5)


class DecideReviewForm(_DecideForm):
    action = Action.DECIDE_REVIEW


class DecideRereviewForm(_DecideForm):
    action = Action.DECIDE_REREVIEW


class MergeForm(ActionForm):
    action = Action.MERGE
    into = forms.CharField(label=_("合并到（原件信访编号）"), max_length=20)
    note = _note(_("说明"))

    def setup(self) -> None:
        self.fields["into"].widget.attrs.update(placeholder="XF-2026-000123", autocomplete="off")

    def clean_into(self) -> Petition:
        from petitions.selectors import visible_to

        number = self.cleaned_data["into"].strip().upper()
        original = visible_to(self.user).filter(number=number).first()
        if original is None:
            raise forms.ValidationError(_("未找到信访编号 %(n)s（或您无权查看）") % {"n": number})
        return original


class SuperviseForm(ActionForm):
    action = Action.SUPERVISE
    reason = _note(_("督办事由"), required=True, rows=3)


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        AcceptForm,
        DeclineForm,
        ForwardForm,
        AssignForm,
        ReassignForm,
        TransferForm,
        ExtendForm,
        ReplyForm,
        DecideReviewForm,
        DecideRereviewForm,
        MergeForm,
        SuperviseForm,
    )
}


# --- supervision and accountability --------------------------------------------------------------


class SupervisionAnswerForm(forms.Form):
    answer = _note(_("督办回复（是否采纳、整改情况）"), required=True, rows=3)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_supervision_%s")
        super().__init__(*args, **kwargs)
        bootstrap(self)


class AccountabilityDecideForm(forms.Form):
    status = forms.ChoiceField(
        label=_("处理"),
        choices=[("", _("请选择"))]
        + [(s.value, s.label) for s in (AccountabilityStatus.DECIDED, AccountabilityStatus.DISMISSED)],
    )
    outcome = _note(_("处理结果或不予追责的理由"), required=True, rows=3)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_accountability_%s")
        super().__init__(*args, **kwargs)
        bootstrap(self)


# --- registration of letters, calls, visits ------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); the intake checks each."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


REGISTER_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.ONLINE]


class RegisterForm(forms.Form):
    channel = forms.ChoiceField(label=_("信访渠道"), choices=[("", _("请选择"))] + REGISTER_CHANNELS)
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    unit = UnitChoiceField(label=_("受理单位"), queryset=Unit.objects.none(), empty_label=_("请选择"))
    category = forms.ChoiceField(label=_("内容分类"), choices=[("", _("请选择"))] + list(Category.choices))
    ptype = forms.ChoiceField(label=_("性质"), choices=list(PetitionType.choices), initial=PetitionType.REQUEST)
    title = forms.CharField(label=_("标题"), max_length=120)
    content = forms.CharField(label=_("诉求内容（如实记录）"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    anonymous = forms.BooleanField(label=_("匿名（信访人不留姓名）"), required=False)
    name = forms.CharField(label=_("信访人姓名"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})
    )
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    employee_no = forms.CharField(
        label=_("关联职工工号（可选）"),
        max_length=20,
        required=False,
        help_text=_("信访人是本集团职工的，填写工号后其可在“我的信访”中跟踪办理情况。"),
    )
    people_count = forms.IntegerField(
        label=_("人数"), min_value=1, max_value=10000, initial=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    representatives = forms.CharField(
        label=_("推选代表（每行一人）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("多人走访的，推选代表不超过5人（第二十条第三款）；5人以上走访须登记代表。"),
    )
    accused_no = forms.CharField(
        label=_("被检举人工号（检举控告类，可选）"),
        max_length=20,
        required=False,
        help_text=_("被检举人及其所在单位负责人将无法看到本事项（第三十条第三款）。"),
    )
    attachments = MultipleFileField(label=_("附件（信件扫描件、照片等）"), required=False)

    def __init__(self, *args, units: QuerySet[Unit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].set_units(units)
        if not self.is_bound:
            self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
            if units.count() == 1:
                self.fields["unit"].initial = units.first()
        bootstrap(self)

    def clean_received_at(self):
        received = self.cleaned_data["received_at"]
        if received > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("收到时间不能晚于现在"))
        return received

    def _person(self, field: str) -> User | None:
        number = self.cleaned_data.get(field, "").strip()
        if not number:
            return None
        person = User.objects.select_related("home_unit").filter(employee_no__iexact=number, is_active=True).first()
        if person is None:
            raise forms.ValidationError(_("未找到工号为 %(no)s 的人员") % {"no": number})
        return person

    def clean_employee_no(self) -> User | None:
        return self._person("employee_no")

    def clean_accused_no(self) -> User | None:
        return self._person("accused_no")

    def clean_representatives(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["representatives"].splitlines() if line.strip()]
        if len(names) > MAX_REPRESENTATIVES_INPUT:
            raise forms.ValidationError(_("代表名单过长"))
        return names

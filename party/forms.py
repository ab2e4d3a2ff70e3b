"""Forms of the party pages (validation of shape only; the rules live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from party.models import OrgKind, PostKind


def style(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OrgCreateForm(forms.Form):
    code = forms.RegexField(label=_("组织代码"), regex=r"^[A-Za-z0-9-]{1,32}$", max_length=32)
    name = forms.CharField(label=_("组织名称"), max_length=100)
    kind = forms.ChoiceField(label=_("组织类别"), choices=OrgKind.choices)
    established_on = forms.DateField(label=_("成立日期"), required=False, widget=DateInput())


class ElectionForm(forms.Form):
    elected_on = forms.DateField(label=_("选举日期"), widget=DateInput())
    entitled_voters = forms.IntegerField(label=_("应到会人数"), min_value=1, max_value=100000)
    attending_voters = forms.IntegerField(label=_("实到会人数"), min_value=0, max_value=100000)
    filed_on = forms.DateField(label=_("委员备案日期"), required=False, widget=DateInput())
    approved_on = forms.DateField(label=_("书记副书记批准日期"), required=False, widget=DateInput())


class PostForm(forms.Form):
    employee_no = forms.CharField(label=_("工号"), max_length=20)
    post = forms.ChoiceField(label=_("职务"), choices=PostKind.choices)
    start = forms.DateField(label=_("任职日期"), widget=DateInput())


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或工号"), required=False, max_length=50)
    branch = forms.IntegerField(label=_("党支部"), required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部在册"))] + [("probationary", _("预备党员")), ("full", _("正式党员"))])
    gaps = forms.BooleanField(label=_("只看信息不全"), required=False)


class PersonByNumberMixin:
    """``employee_no`` names an existing person: cleaned_data["person"] is that User, or the
    field says that there is none (the one place for this look-up)."""

    def clean_employee_no(self) -> str:
        from orgs.models import User

        no = self.cleaned_data["employee_no"].strip()
        person = User.objects.filter(employee_no=no).first()
        if person is None:
            raise forms.ValidationError(_("没有工号为%(no)s的人员，请先在人员管理中建立。"), code="unknown_person",
                                        params={"no": no})
        self.cleaned_data["person"] = person
        return no


class MemberRegisterForm(PersonByNumberMixin, forms.Form):
    employee_no = forms.CharField(label=_("工号"), max_length=20)
    status = forms.ChoiceField(label=_("党员状态"), choices=[("full", _("正式党员")), ("probationary", _("预备党员"))])
    joined_on = forms.DateField(label=_("入党日期"), widget=DateInput())
    full_on = forms.DateField(label=_("转正日期"), required=False, widget=DateInput())


class MemberEditForm(forms.Form):
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=[("", "—"), ("M", _("男")), ("F", _("女"))])
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DateInput())
    education = forms.ChoiceField(label=_("学历"), required=False)
    post_category = forms.ChoiceField(label=_("岗位类别"), required=False)
    job_title = forms.CharField(label=_("工作岗位"), required=False, max_length=60)
    joined_on = forms.DateField(label=_("入党日期"), required=False, widget=DateInput())
    full_on = forms.DateField(label=_("转正日期"), required=False, widget=DateInput())
    is_flowing = forms.BooleanField(label=_("流动党员"), required=False)
    away_since = forms.DateField(label=_("外出起始日期"), required=False, widget=DateInput())
    away_place = forms.CharField(label=_("外出地点"), required=False, max_length=100)
    pioneer_post = forms.CharField(label=_("党员先锋岗"), required=False, max_length=60)
    responsibility_area = forms.CharField(label=_("党员责任区"), required=False, max_length=60)
    dues_kind = forms.ChoiceField(label=_("党费缴纳类别"))
    dues_base = forms.DecimalField(label=_("党费基数"), required=False, min_value=0, max_digits=10, decimal_places=2)
    dues_base_reviewed_on = forms.DateField(label=_("基数核定日期"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        from party.models import DuesKind, Education, PostCategory

        super().__init__(*args, **kwargs)
        self.fields["education"].choices = [("", "—"), *Education.choices]
        self.fields["post_category"].choices = [("", "—"), *PostCategory.choices]
        self.fields["dues_kind"].choices = DuesKind.choices


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("花名册（.xlsx）"))


class LetterForm(forms.Form):
    to_code = forms.CharField(label=_("转入党支部代码"), required=False, max_length=32,
                              help_text=_("系统内转接填写党支部代码"))
    to_name = forms.CharField(label=_("或：系统外转入单位"), required=False, max_length=100)
    issued_on = forms.DateField(label=_("开具日期"), widget=DateInput())
    dues_paid_to = forms.RegexField(label=_("党费交至年月"), regex=r"^\d{4}-\d{1,2}$", max_length=7,
                                    help_text=_("例如 2026-10"))
    reason = forms.CharField(label=_("转接原因"), required=False, max_length=100)


class DateActionForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    note = forms.CharField(label=_("证明/说明"), required=False, max_length=200)


class DevOpenForm(PersonByNumberMixin, forms.Form):
    employee_no = forms.CharField(label=_("申请人工号"), max_length=20)
    birth_date = forms.DateField(label=_("出生日期"), widget=DateInput())
    applied_on = forms.DateField(label=_("递交入党申请书日期"), widget=DateInput())
    leaving_on = forms.DateField(label=_("预计离开本单位日期"), required=False, widget=DateInput())


class DevStepForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    decided_by = forms.CharField(label=_("决定人/组织"), max_length=100)
    publicity_from = forms.DateField(label=_("公示开始日期"), required=False, widget=DateInput())
    introducers = forms.CharField(label=_("入党介绍人工号（两人，用逗号分隔）"), required=False, max_length=50)
    conclusion = forms.CharField(label=_("政治审查结论"), required=False, max_length=200)
    days = forms.IntegerField(label=_("培训天数"), required=False, min_value=0, max_value=365)
    hours = forms.IntegerField(label=_("培训学时"), required=False, min_value=0, max_value=2000)
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("材料（可选）"), required=False, help_text=_("PDF、Word文档或JPEG/PNG图片"))

    def data_for(self, step: int) -> dict:
        d = self.cleaned_data
        out: dict = {}
        if d.get("publicity_from"):
            out["publicity_from"] = d["publicity_from"].isoformat()
        if step == 9:
            out["introducers"] = [x.strip() for x in d.get("introducers", "").replace("，", ",").split(",") if x.strip()]
        if step == 10:
            out["conclusion"] = d.get("conclusion", "")
        if step == 11:
            out["days"], out["hours"] = d.get("days") or 0, d.get("hours") or 0
        return out


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"))
    title = forms.CharField(label=_("主题"), max_length=200)
    planned_on = forms.DateField(label=_("日期"), widget=DateInput())
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    agenda = forms.CharField(label=_("议程"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    lecturer = forms.CharField(label=_("授课人工号（党课）"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        from party.models import MeetingKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = MeetingKind.choices


class HoldForm(forms.Form):
    held_on = forms.DateField(label=_("召开日期"), widget=DateInput())
    speakers = forms.CharField(label=_("发言人"), required=False, max_length=300)
    minutes = forms.CharField(label=_("会议记录"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}))


class VoteForm(forms.Form):
    motion = forms.CharField(label=_("表决事项"), max_length=200)
    yes = forms.IntegerField(label=_("赞成"), min_value=0, max_value=100000)
    no = forms.IntegerField(label=_("反对"), min_value=0, max_value=100000)
    abstain = forms.IntegerField(label=_("弃权"), min_value=0, max_value=100000)
    written_yes = forms.IntegerField(label=_("书面赞成（缺席者会前提交）"), min_value=0, max_value=100000, initial=0)


class SigninForm(forms.Form):
    code = forms.RegexField(label=_("签到码"), regex=r"^\d{6}$", max_length=6,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class PhotoForm(forms.Form):
    # A plain file field: the type is judged from the content by party.uploads (clear messages).
    image = forms.FileField(label=_("会议照片"), help_text=_("JPEG、PNG或WebP图片，上传时去除拍摄位置等信息"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class DuesFilterForm(forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    month = forms.RegexField(label=_("月份"), regex=r"^\d{4}-\d{2}$", max_length=7, required=False,
                             widget=forms.TextInput(attrs={"type": "month"}))


class ReductionForm(forms.Form):
    employee_no = forms.CharField(label=_("工号"), max_length=20)
    from_month = forms.RegexField(label=_("起始月份"), regex=r"^\d{4}-\d{2}$", max_length=7)
    to_month = forms.RegexField(label=_("截止月份"), regex=r"^\d{4}-\d{2}$", max_length=7)
    monthly = forms.DecimalField(label=_("减免后每月应交"), min_value=0, max_digits=10, decimal_places=2)
    reason = forms.CharField(label=_("理由"), max_length=200)
    decided_on = forms.DateField(label=_("支部决定日期"), widget=DateInput())


class DutyForm(forms.Form):
    level = forms.ChoiceField(label=_("责任类别"))
    employee_no = forms.CharField(label=_("责任人工号"), max_length=20)
    task = forms.CharField(label=_("任务"), max_length=300)
    due_on = forms.DateField(label=_("完成时限"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        from party.models import ResponsibilityLevel

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = ResponsibilityLevel.choices


class PreResearchForm(forms.Form):
    title = forms.CharField(label=_("事项"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=[
        ("strategy", _("发展战略和规划")), ("restructure", _("改制、产权转让、重大投资")),
        ("organization", _("机构设置和重要制度")), ("safety", _("安全稳定和职工权益")), ("other", _("其他"))])
    party_meeting_on = forms.DateField(label=_("党委会研究日期"), widget=DateInput())
    decision_body = forms.ChoiceField(label=_("决策机构"), choices=[("board", _("董事会")), ("management", _("经理层"))])
    decided_on = forms.DateField(label=_("决策日期"), required=False, widget=DateInput())


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    employee_no = forms.CharField(label=_("书记工号"), max_length=20)
    held_on = forms.DateField(label=_("述职日期"), widget=DateInput())
    rating = forms.ChoiceField(label=_("评议等次"), choices=[("good", _("好")), ("fair", _("较好")),
                                                          ("average", _("一般")), ("poor", _("差"))])
    notes = forms.CharField(label=_("评议意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StudyForm(forms.Form):
    topic = forms.CharField(label=_("学习内容"), max_length=200)
    planned_on = forms.DateField(label=_("计划日期"), widget=DateInput())
    first_topic = forms.BooleanField(label=_("第一议题"), required=False)


class LecturerForm(forms.Form):
    employee_no = forms.CharField(label=_("讲师工号"), max_length=20)
    is_leader = forms.BooleanField(label=_("领导干部"), required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"))
    title = forms.CharField(label=_("名称"), max_length=200)
    on = forms.DateField(label=_("日期"), widget=DateInput())
    participants = forms.CharField(label=_("参加党员工号（逗号分隔）"), required=False, max_length=5000)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from party.models import ActivityKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ActivityKind.choices

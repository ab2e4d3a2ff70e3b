"""Forms of the publicity pages: they parse input; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit
from petitions.forms import MultipleFileField, MultipleFileInput
from publicity.choices import Decision, OutletLevel, PieceKind
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
    published_on = forms.DateField(label=_("刊发日期"), widget=forms.DateInput(attrs={"type": "date"}))
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

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.lockout import USERNAME_MAX


class LoginForm(forms.Form):
    """The fields of templates/core/login.html (the template draws them itself)."""

    username = forms.CharField(label=_("工号或手机号"), max_length=USERNAME_MAX)
    # 4096: long enough for any pass phrase, short enough that hashing it is no denial of service.
    password = forms.CharField(label=_("密码"), max_length=4096, strip=False, widget=forms.PasswordInput)


class CodeForm(forms.Form):
    """A 6-digit authenticator code, or a recovery code (xxxxx-xxxxx)."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("重置原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("例如：手机丢失、更换手机。原因写入审计记录。"),
    )


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("工号或姓名"), max_length=50, required=False)


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (current password, new one twice, the password validators), styled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

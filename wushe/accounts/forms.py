from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wushe.accounts import services


class LoginForm(AuthenticationForm):
    """Django's login form, with lockout after repeated failures (等保 2.0)."""

    def _locked_error(self, until) -> forms.ValidationError:
        local = formats.date_format(timezone.localtime(until), "Y年n月j日 H:i")
        return forms.ValidationError(
            _("登录失败次数过多，账号已锁定至 %(t)s，请稍后再试或联系管理员。") % {"t": local},
            code="locked",
        )

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        if username:
            try:
                services.login_attempt_claim(username=username)
            except services.LoginLocked as locked:
                raise self._locked_error(locked.until) from None
        try:
            return super().clean()
        except forms.ValidationError:
            if not username:
                raise
            row = services.login_failed(username=username)
            if row.locked_until:
                raise self._locked_error(row.locked_until) from None
            left = settings.LOGIN_FAILURE_LIMIT - row.failures
            raise forms.ValidationError(
                _("用户名或密码不正确。再失败 %(n)d 次，账号将被锁定 %(m)d 分钟。")
                % {"n": left, "m": settings.LOGIN_LOCKOUT_MINUTES},
                code="invalid_login",
            ) from None


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=gettext_lazy("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=gettext_lazy("新密码"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(
        label=gettext_lazy("再次输入新密码"), widget=forms.PasswordInput
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("用途"), max_length=100,
        help_text=gettext_lazy("例如：市局数据交换、统计脚本。"),
    )  # fmt: skip

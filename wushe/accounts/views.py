from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wushe.accounts import services
from wushe.accounts.forms import LoginForm, PasswordChangeForm, TokenForm
from wushe.accounts.models import ApiToken
from wushe.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def profile(request):
    grants = request.user.role_assignments.select_related("region").order_by("region_id")
    return render(request, "accounts/profile.html", {"grants": grants})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                by=request.user, user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, plaintext = services.api_token_create(
                by=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "plaintext": plaintext}
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    # A token is visible only to its owner: anyone else's id is simply not found.
    token = ApiToken.objects.filter(user=request.user, pk=pk).first()
    if token is None:
        raise Http404
    services.api_token_revoke(by=request.user, token=token)
    messages.success(request, _("令牌“%(n)s”已撤销。") % {"n": token.name})
    return redirect("accounts:token_list")

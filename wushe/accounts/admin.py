from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions, services
from wushe.accounts.models import RoleAssignment, User
from wushe.core.admin import ScopedAdmin, site
from wushe.core.forms import add_service_errors


class RoleAssignmentInline(admin.TabularInline):
    """A user's grants, read-only and only those inside the viewer's scope."""

    model = RoleAssignment
    extra = 0
    fields = ("role", "region", "created_at")
    readonly_fields = ("role", "region", "created_at")
    can_delete = False

    def get_queryset(self, request):
        return RoleAssignment.objects.visible_to(request.user).select_related("region")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can(request.user, "accounts.roleassignment", "view")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("username", "name", "email")

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(username=data.get("username", ""), name=data.get("name", ""))
            try:
                validate_password(data["password"], candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_grant(
                by=self.request_user, user=data["user"], role=data["role"], region=data["region"]
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
        return data


@admin.register(User, site=site)
class UserAdmin(ScopedAdmin):
    list_display = ("username", "name", "is_active", "last_login")
    search_fields = ("username", "name")
    fields = ("username", "name", "email", "is_active", "last_login", "date_joined")
    readonly_fields = ("username", "last_login", "date_joined")
    inlines = [RoleAssignmentInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UserCreateForm
            kwargs["fields"] = ("username", "name", "email", "password")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("username", "name", "email", "password") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            # Only the name, email and active flag are editable here; audit them.
            services.user_update(by=request.user, user=obj, fields=form.changed_data)
            return
        created = services.user_create(
            by=request.user, username=obj.username, name=obj.name, email=obj.email,
            password=form.cleaned_data["password"],
        )  # fmt: skip
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail names them


@admin.register(RoleAssignment, site=site)
class RoleAssignmentAdmin(ScopedAdmin):
    list_display = ("user", "role", "region", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name", "region__name", "region__code")
    raw_id_fields = ("user", "region")
    fields = ("user", "role", "region")
    form = RoleAssignmentForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user  # the grant's checks need to know who grants
        return form

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a grant is revoked and granted anew, never edited

    def save_model(self, request, obj, form, change) -> None:
        services.role_assign(by=request.user, user=obj.user, role=obj.role, region=obj.region)

    def delete_model(self, request, obj) -> None:
        services.role_revoke(by=request.user, grant=obj)

    def delete_queryset(self, request, queryset) -> None:
        for grant in queryset:
            services.role_revoke(by=request.user, grant=grant)

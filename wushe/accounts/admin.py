from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wushe.accounts import services
from wushe.accounts.models import RoleAssignment, User
from wushe.core.admin import ScopedAdmin, site


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ("role", "region", "created_at")
    readonly_fields = ("role", "region", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("username", "name", "email")


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
        try:
            created = services.user_create(
                by=request.user, username=obj.username, name=obj.name, email=obj.email,
                password=form.cleaned_data["password"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            raise
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

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a grant is revoked and granted anew, never edited

    def save_model(self, request, obj, form, change) -> None:
        services.role_assign(by=request.user, user=obj.user, role=obj.role, region=obj.region)

    def delete_model(self, request, obj) -> None:
        services.role_revoke(by=request.user, grant=obj)

    def delete_queryset(self, request, queryset) -> None:
        for grant in queryset:
            services.role_revoke(by=request.user, grant=grant)

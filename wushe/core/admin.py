"""The admin site, kept to account administration and read-only reference views.

Access follows the role table, not Django's is_staff/is_superuser flags, and every queryset
goes through `visible_to`; writes go through services.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wushe.accounts import permissions


class WusheAdminSite(admin.AdminSite):
    site_header = _("五社联动服务平台 · 系统管理")
    site_title = _("系统管理")
    index_title = _("账号与权限")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and permissions.can(user, "accounts.user", "view"))

    def login(self, request, extra_context=None):
        """One login for the whole platform, with its lockout and audit (not Django's own)."""
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(
            request.GET.get("next") or self.index_url(), reverse("accounts:login")
        )

    def index_url(self) -> str:
        return reverse("admin:index", current_app=self.name)


site = WusheAdminSite(name="admin")


class ScopedAdmin(admin.ModelAdmin):
    """Rows through visible_to; rights from the role table; nothing else."""

    model_label = ""

    def _label(self) -> str:
        return self.model_label or self.model._meta.label_lower

    def get_queryset(self, request):
        qs = self.model._default_manager.all()
        if hasattr(qs, "visible_to"):
            return qs.visible_to(request.user, "view")
        return qs if permissions.has_global(request.user, self._label(), "view") else qs.none()

    def has_module_permission(self, request) -> bool:
        return permissions.can(request.user, self._label(), "view")

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can(request.user, self._label(), "view")

    def has_add_permission(self, request) -> bool:
        return permissions.can(request.user, self._label(), "create")

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.can(request.user, self._label(), "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.can(request.user, self._label(), "delete")


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

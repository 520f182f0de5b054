"""Accounts: users, their role assignments, login throttling and personal API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wushe.accounts.permissions import Role
from wushe.core.scoping import ScopedQuerySet


class User(AbstractUser):
    # Chinese names are not split into given and family names.
    name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username


class RoleAssignmentQuerySet(ScopedQuerySet):
    region_field = "region_id"


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("管辖区划"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("授权时间"), default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="unique_role_grant")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region_id}"

    @property
    def region_code(self) -> str:
        return self.region_id


class LoginThrottle(models.Model):
    """Failed logins per username (existing or not, so lockout reveals nothing)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

"""Writes to accounts: users, role grants, API tokens, and the login throttle."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wushe.accounts import permissions
from wushe.accounts.models import ApiToken, LoginThrottle, RoleAssignment, User
from wushe.accounts.permissions import ROLE_LEVELS, Action, Role
from wushe.audit.services import audit_record
from wushe.core.crypto import hmac_sm3_hex
from wushe.regions.models import Region

TOKEN_PREFIX = "wsk_"  # noqa: S105 (a prefix, not a secret)


def _home_code(user: User | None) -> str:
    """The region an account event belongs to: the user's outermost assignment."""
    if user is None:
        return ""
    roots = permissions.scope_roots(user)
    return roots[0] if roots else ""


def user_create(
    *, by: User | None, username: str, name: str, password: str, email: str = ""
) -> User:
    if by is not None and not permissions.can(by, "accounts.user", Action.CREATE):
        raise PermissionDenied
    # The login form normalises what is typed (NFKC); store the same form, or it never matches.
    username = unicodedata.normalize("NFKC", username).strip()
    # Logins and the throttle ignore case, so two names differing only in case would collide.
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(u)s”已被使用。") % {"u": username}})
    user = User(username=username, name=name.strip(), email=email)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit_record(actor=by, action="user.create", obj=user, changes={"name": user.name})
    return user


def password_change(*, by: User, user: User, old_password: str | None, new_password: str) -> None:
    if by.pk != user.pk and not permissions.can(by, "accounts.user", Action.CHANGE):
        raise PermissionDenied
    if by.pk == user.pk and not user.check_password(old_password or ""):
        raise ValidationError({"old_password": _("原密码不正确。")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.error_list}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(
            actor=by, action="user.password_change", obj=user, region_code=_home_code(user)
        )


def check_grant(*, by: User | None, user: User, role: str, region: Region) -> None:
    """Why `by` may not grant `role` over `region` to `user`, as a ValidationError, if so."""
    if role not in Role.values:
        raise ValidationError({"role": _("角色“%(r)s”无效。") % {"r": role}})
    if by is not None:
        if by.pk == user.pk:
            raise ValidationError({"user": _("不能给自己授予角色，请由上级管理员授予。")})
        if not permissions.may_grant(by, role, region.code):
            raise ValidationError(
                {"role": _("您无权在“%(region)s”授予“%(role)s”角色。")
                 % {"region": region.name, "role": Role(role).label}}
            )  # fmt: skip
    if region.level not in ROLE_LEVELS[role]:
        levels = "/".join(str(lv) for lv in sorted(ROLE_LEVELS[role]))
        message = _("角色“%(role)s”只能授予在第 %(levels)s 级区划，“%(region)s”是第 %(level)d 级。")
        raise ValidationError(
            {"region": message % {"role": Role(role).label, "levels": levels,
                                  "region": region.name, "level": region.level}}
        )  # fmt: skip


def role_assign(*, by: User | None, user: User, role: str, region: Region) -> RoleAssignment:
    """Grant `role` over `region`: only roles the grantor may grant, inside its own region,
    and never to itself (GRANTABLE in permissions.py)."""
    if by is not None and not permissions.can(
        by, "accounts.roleassignment", Action.CREATE, region.code
    ):
        raise PermissionDenied
    check_grant(by=by, user=user, role=role, region=region)
    with transaction.atomic():
        grant, created = RoleAssignment.objects.get_or_create(user=user, role=role, region=region)
        if created:
            audit_record(
                actor=by, action="role.assign", obj=grant, region_code=region.code,
                changes={"user": user.username, "role": role},
            )  # fmt: skip
    permissions.forget(user)
    return grant


def role_revoke(*, by: User | None, grant: RoleAssignment) -> None:
    if by is not None and not permissions.can(
        by, "accounts.roleassignment", Action.DELETE, grant.region_id
    ):
        raise PermissionDenied
    if by is not None and not permissions.may_grant(by, grant.role, grant.region_id):
        raise PermissionDenied  # who may not grant a role may not take it away either
    with transaction.atomic():
        audit_record(
            actor=by, action="role.revoke", obj=grant, region_code=grant.region_id,
            changes={"user": grant.user.username, "role": grant.role},
        )  # fmt: skip
        grant.delete()
    permissions.forget(grant.user)


def token_digest(plaintext: str) -> str:
    return hmac_sm3_hex(settings.SECRET_KEY.encode(), plaintext.encode())


def api_token_create(*, by: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the plaintext is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌用途，便于日后辨认。")})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=by, name=name, prefix=plaintext[:10], digest=token_digest(plaintext)
        )
        audit_record(actor=by, action="api_token.create", obj=token, region_code=_home_code(by))
    return token, plaintext


def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    if token.user_id != by.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=by, action="api_token.revoke", obj=token, region_code=_home_code(by))
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- login throttle ----------------------------------------------------------------------


class LoginLocked(Exception):
    def __init__(self, until) -> None:
        super().__init__(until)
        self.until = until


def throttle_key(username: str) -> str:
    """One counter per username however it is typed (case, width, spaces)."""
    return unicodedata.normalize("NFKC", username).strip().lower()[:150]


def login_attempt_claim(*, username: str) -> LoginThrottle:
    """Count an attempt *before* its password is checked, under a row lock, so parallel
    guesses cannot all slip past the limit; a success wipes the count (login_succeeded)."""
    now = timezone.now()
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            username=throttle_key(username)
        )
        if row.locked_until:
            if row.locked_until > now:
                raise LoginLocked(row.locked_until)
            row.failures, row.locked_until = 0, None  # the lock has run out: count afresh
        if row.failures >= settings.LOGIN_FAILURE_LIMIT:
            row.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            row.save()
            raise LoginLocked(row.locked_until)
        row.failures += 1
        row.save()
    return row


def login_failed(*, username: str) -> LoginThrottle:
    """Record a claimed attempt as failed; the N-th in a row locks the username."""
    key = throttle_key(username)
    now = timezone.now()
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(username=key)
        row.last_failure_at = now
        locked = row.failures >= settings.LOGIN_FAILURE_LIMIT and row.locked_until is None
        if locked:
            row.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        row.save()
        user = User.objects.filter(username__iexact=key).first()
        audit_record(
            actor=key, action="login.failed", region_code=_home_code(user),
            object_type="accounts.user", object_id=str(user.pk) if user else "",
            object_repr=key, changes={"failures": row.failures},
        )  # fmt: skip
        if locked:
            audit_record(
                actor=key, action="login.locked", region_code=_home_code(user),
                object_type="accounts.user", object_id=str(user.pk) if user else "",
                object_repr=key, changes={"locked_until": row.locked_until},
            )  # fmt: skip
    return row


def login_succeeded(*, user: User) -> None:
    with transaction.atomic():
        LoginThrottle.objects.filter(username=throttle_key(user.get_username())).delete()
        audit_record(actor=user, action="login.success", obj=user, region_code=_home_code(user))


def logged_out(*, user: User) -> None:
    audit_record(actor=user, action="logout", obj=user, region_code=_home_code(user))


USER_EDITABLE = ("name", "email", "is_active")


def user_update(*, by: User, user: User, fields: list[str]) -> User:
    """Save the already-set `fields` of `user` (from the admin form) with an audit event."""
    if not permissions.can(by, "accounts.user", Action.CHANGE):
        raise PermissionDenied
    fields = [f for f in fields if f in USER_EDITABLE]
    if not fields:
        return user
    before = User.objects.get(pk=user.pk)
    with transaction.atomic():
        user.save(update_fields=fields)
        audit_record(
            actor=by, action="user.update", obj=user, region_code=_home_code(user),
            changes={f: [getattr(before, f), getattr(user, f)] for f in fields},
        )  # fmt: skip
    return user

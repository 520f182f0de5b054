"""Logins, lockout, password policy, role grants and tokens."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import PASSWORD
from wushe.accounts import permissions, services
from wushe.accounts.models import LoginThrottle
from wushe.accounts.permissions import Role
from wushe.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_records_success_and_logout(world, client):
    response = post_login(client, "station_worker", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    client.post("/accounts/logout/")
    actions = list(
        AuditEvent.objects.filter(actor_name="station_worker").values_list("action", flat=True)
    )
    assert "login.success" in actions and "logout" in actions


def test_five_failures_lock_the_account_even_for_the_right_password(world, client, settings):
    for attempt in range(1, 5):
        body = post_login(client, "station_worker", "wrong").content.decode()
        assert f"再失败 {5 - attempt} 次" in body
    body = post_login(client, "station_worker", "wrong").content.decode()
    assert "锁定" in body
    body = post_login(client, "station_worker", PASSWORD).content.decode()
    assert "锁定" in body
    assert "_auth_user_id" not in client.session
    assert (
        AuditEvent.objects.filter(action="login.locked", object_repr="station_worker").count() == 1
    )


def test_lock_ends_after_the_configured_minutes(world, client):
    for _ in range(5):
        post_login(client, "station_worker", "wrong")
    LoginThrottle.objects.filter(username="station_worker").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert post_login(client, "station_worker", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(username="station_worker").exists()


def test_unknown_usernames_lock_alike_so_lockout_reveals_nothing(world, client):
    for _ in range(5):
        body = post_login(client, "no_such_person", "wrong").content.decode()
    assert "锁定" in body


def test_password_policy_requires_length_and_three_classes(world):
    user = world.users["station_worker"]
    for bad in ["Ab1!", "alllowercase1", "ALLUPPER-ONLY"]:
        with pytest.raises(ValidationError):
            services.password_change(by=user, user=user, old_password=PASSWORD, new_password=bad)
    services.password_change(
        by=user, user=user, old_password=PASSWORD, new_password="Better-Pass-2026"
    )
    user.refresh_from_db()
    assert user.check_password("Better-Pass-2026")


def test_idle_timeout_is_thirty_minutes_and_sliding(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_role_must_be_granted_at_its_level(world):
    with pytest.raises(ValidationError, match="社工站站长"):
        services.role_assign(
            by=None, user=world.users["outsider"], role=Role.STATION_HEAD,
            region=world.region("152201000000"),
        )  # fmt: skip


def test_county_admin_cannot_grant_outside_the_county(world):
    admin = world.users["county_admin"]
    with pytest.raises(PermissionDenied):
        services.role_assign(
            by=admin, user=world.users["outsider"], role=Role.STATION_HEAD,
            region=world.region("152202001000"),
        )  # fmt: skip
    grant = services.role_assign(
        by=admin, user=world.users["other_station_worker"], role=Role.STATION_HEAD,
        region=world.region("152201002000"),
    )  # fmt: skip
    assert grant.region_id == "152201002000"
    assert Role.STATION_HEAD in permissions.roles_of(world.users["other_station_worker"])


def test_api_token_is_shown_once_stored_hashed_and_revocable(world):
    user = world.users["county_admin"]
    token, plaintext = services.api_token_create(by=user, name="统计脚本")
    assert plaintext.startswith("wsk_") and plaintext not in (token.digest, token.prefix)
    assert services.api_token_authenticate(plaintext) == user
    services.api_token_revoke(by=user, token=token)
    assert services.api_token_authenticate(plaintext) is None


def test_someone_elses_token_cannot_be_revoked(world, client):
    token, _ = services.api_token_create(by=world.users["county_admin"], name="统计脚本")
    client.force_login(world.users["station_worker"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_sysadmin_manages_accounts_but_sees_no_platform_staffing(world):
    sysadmin = world.users["sysadmin"]
    assert permissions.can(sysadmin, "accounts.user", "create")
    assert not permissions.can(sysadmin, "network.posting", "view")

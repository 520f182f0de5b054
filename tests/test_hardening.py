"""Holes an independent review found in the foundation, each pinned by a test."""

import threading
from datetime import date

import pytest
from django.db import connection, connections
from django.test import Client

from tests.conftest import PASSWORD, build_world, run_together
from wushe.accounts import services as account_services
from wushe.accounts.models import User
from wushe.accounts.permissions import Role
from wushe.audit.models import AuditChainHead, AuditEvent
from wushe.audit.services import audit_record, audit_verify
from wushe.network import services as network_services
from wushe.network.models import Platform

pytestmark = pytest.mark.django_db


def _sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- scope --------------------------------------------------------------------------------


def test_worker_list_shows_no_posting_at_a_platform_out_of_scope(world, client):
    network_services.posting_create(
        by=world.users["county_admin"], platform=world.platforms["station_b"],
        worker=world.workers["worker_a"], post="resident_worker", started_on=date(2024, 1, 1),
    )  # fmt: skip
    client.force_login(world.users["station_worker"])
    body = client.get("/network/workers/").content.decode()
    assert "赵小红" in body and "和平街道社工站" not in body


def test_volunteer_coordinator_sees_no_posts_without_the_posting_right(world, client):
    client.force_login(world.users["volunteer_coordinator"])
    assert "站长" not in client.get("/network/workers/").content.decode()


# --- role grants --------------------------------------------------------------------------


def test_nobody_grants_themselves_a_role(world):
    admin = world.users["county_admin"]
    with pytest.raises(Exception, match="不能给自己授予角色"):
        account_services.role_assign(
            by=admin, user=admin, role=Role.STATION_HEAD, region=world.region("152201001000")
        )


@pytest.mark.parametrize(
    ("grantor", "role", "code"),
    [
        ("county_admin", Role.AUDITOR, "152201000000"),
        ("county_admin", Role.COUNTY_ADMIN, "152201000000"),
        ("province_admin", Role.SYSADMIN, "150000000000"),
        ("city_admin", Role.PROVINCE_ADMIN, "150000000000"),
    ],
)
def test_no_grant_above_what_the_grantor_may_give(world, grantor, role, code):
    with pytest.raises(Exception, match="您无权|PermissionDenied|^$"):
        account_services.role_assign(
            by=world.users[grantor], user=world.users["other_station_worker"], role=role,
            region=world.region(code),
        )  # fmt: skip
    assert role not in {g.role for g in world.users["other_station_worker"].role_assignments.all()}


def test_sysadmin_cannot_make_themselves_province_admin_through_the_admin(world, client):
    sysadmin = world.users["sysadmin"]
    client.force_login(sysadmin)
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": sysadmin.pk, "role": Role.PROVINCE_ADMIN, "region": "150000000000"},
    )
    assert response.status_code == 200 and "不能给自己授予角色" in response.content.decode()
    assert not Platform.objects.visible_to(User.objects.get(pk=sysadmin.pk), "delete").exists()


def test_admin_shows_service_refusals_as_form_errors(world, client):
    client.force_login(world.users["sysadmin"])
    weak = client.post(
        "/admin/accounts/user/add/", {"username": "newbie", "name": "新人", "password": "abc"}
    )
    assert weak.status_code == 200 and "此密码太短" in weak.content.decode()
    wrong_level = client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": world.users["outsider"].pk, "role": Role.STATION_HEAD, "region": "152201000000"},
    )
    assert (
        wrong_level.status_code == 200 and "只能授予在第 4 级区划" in wrong_level.content.decode()
    )


def test_admin_user_page_lists_only_grants_in_scope(world, client):
    sysadmin = world.users["sysadmin"]
    User.objects.filter(pk=sysadmin.pk).update(is_superuser=True, is_staff=True)
    client.force_login(User.objects.get(pk=sysadmin.pk))
    own = client.get(f"/admin/accounts/user/{world.users['county_admin'].pk}/change/")
    assert "152201000000" in own.content.decode()
    other = client.get(f"/admin/accounts/user/{world.users['outsider'].pk}/change/")
    assert "110101000000" not in other.content.decode()


# --- login --------------------------------------------------------------------------------


def test_the_admin_login_is_the_platform_login(world, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    User.objects.filter(username="sysadmin").update(is_staff=True)
    for _ in range(5):
        client.post("/accounts/login/", {"username": "sysadmin", "password": "wrong"})
    client.post("/admin/login/", {"username": "sysadmin", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_are_capped_at_the_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections; SQLite serialises writers anyway")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    build_world()
    barrier = threading.Barrier(12)

    def guess(i: int) -> None:
        try:
            barrier.wait()
            Client().post("/accounts/login/", {"username": "county_admin", "password": f"x{i}"})
        finally:
            connections.close_all()

    run_together(guess, 12)
    assert AuditEvent.objects.filter(action="login.failed").count() <= 5


def test_audit_ip_is_not_taken_from_a_forged_forwarded_for(world, client, settings):
    client.post(
        "/accounts/login/", {"username": "county_admin", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.9",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="login.failed").latest("id").ip == "10.0.0.9"
    settings.TRUSTED_PROXIES = 1
    client.post(
        "/accounts/login/", {"username": "county_admin", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="login.failed").latest("id").ip == "203.0.113.7"


# --- audit trail ----------------------------------------------------------------------------


def test_truncating_a_chain_and_rewinding_its_head_is_detected(chain_of_three):
    head = AuditChainHead.objects.get(chain=chain_of_three)
    last = AuditEvent.objects.get(chain=head.chain, seq=head.seq)
    prev = AuditEvent.objects.get(chain=head.chain, seq=head.seq - 1)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [last.id])
    _sql(
        "UPDATE audit_auditchainhead SET seq = %s, hash = %s WHERE chain = %s",
        [prev.seq, prev.hash, head.chain],
    )
    assert any("链头记录被改动" in p.reason for p in audit_verify())


def test_deleting_a_whole_chain_with_its_head_is_detected(world):
    chain = AuditChainHead.objects.filter(seq__gt=0).first().chain
    _sql("DELETE FROM audit_auditevent WHERE chain = %s", [chain])
    _sql("DELETE FROM audit_auditchainhead WHERE chain = %s", [chain])
    assert any(p.chain == chain and "链头记录缺失" in p.reason for p in audit_verify())


def test_deleting_a_user_does_not_break_the_chain(world):
    user = User.objects.create_user("temp", password="Xx-123456789")
    audit_record(actor=user, action="test.delete_user")
    user.delete()
    assert list(audit_verify()) == []


@pytest.mark.parametrize("value", [1e20, -0.0, 0.1, 1.5e-7, 12345678901234567890.0])
def test_floats_in_changes_verify_on_every_database(world, value):
    audit_record(actor=None, action="test.float", changes={"v": value, "nested": [value]})
    assert list(audit_verify()) == []


def test_changes_of_text_numbers_and_dates_verify_and_read_back_as_written(world):
    """Plain JSON is kept as given; anything else (a date, a decimal) as its JSON text."""
    from datetime import date
    from decimal import Decimal

    changes = {"n": 10**20, "ok": True, "none": None, "names": ["张三", 3], "by": {"a": "b"}}
    event = audit_record(
        actor=None, action="test.plain", changes={**changes, "on": date(2026, 12, 4),
                                                  "fund": Decimal("12.50")},
    )  # fmt: skip
    event.refresh_from_db()
    assert event.changes == {**changes, "on": "2026-12-04", "fund": "12.50"}
    assert list(audit_verify()) == []


# --- the API's documentation page ---------------------------------------------------------


def test_api_docs_load_nothing_from_a_cdn_and_run_no_inline_script(world, client):
    client.force_login(world.users["county_admin"])
    body = client.get("/api/v1/docs").content.decode()
    assert "swagger" in body.lower()
    assert "cdn." not in body and "jsdelivr" not in body
    assert "<script>" not in body.replace(" ", "")

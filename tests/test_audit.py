"""The audit trail: every write leaves an event, the chain detects tampering, and nothing
in the product can edit or delete an event."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from wushe.audit.models import AuditChainHead, AuditEvent
from wushe.audit.services import audit_record, audit_verify
from wushe.core import context
from wushe.network import services as network_services

pytestmark = pytest.mark.django_db


def test_every_world_write_left_an_event_that_verifies(world):
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "user.create",
        "role.assign",
        "platform.create",
        "worker.create",
        "posting.create",
    } <= actions
    assert list(audit_verify()) == []


def test_event_records_who_what_where_and_changed_fields(world):
    station = world.platforms["station_a"]
    admin = world.users["county_admin"]
    token = context.set_current(context.RequestInfo(ip="10.1.2.3", request_id="req-42"))
    try:
        network_services.platform_update(
            by=admin, platform=station, address="爱国街道兴安南大街8号"
        )
    finally:
        context.reset(token)
    event = AuditEvent.objects.get(action="platform.update")
    assert event.actor == admin and event.actor_name == "county_admin"
    assert event.object_type == "network.platform" and event.object_id == str(station.pk)
    assert event.region_code == "152201001000"
    assert event.changes == {"address": ["", "爱国街道兴安南大街8号"]}
    assert (event.ip, event.request_id) == ("10.1.2.3", "req-42")


def test_unchanged_update_writes_no_event(world):
    station = world.platforms["station_a"]
    before = AuditEvent.objects.count()
    network_services.platform_update(
        by=world.users["county_admin"], platform=station, name=station.name
    )
    assert AuditEvent.objects.count() == before


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_editing_an_event_in_the_database_is_detected_and_named(world):
    victim = AuditEvent.objects.filter(action="platform.create").order_by("id")[1]
    _tamper("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", victim.id])
    problems = list(audit_verify())
    assert [p.event_id for p in problems] == [victim.id]
    assert "被改动" in str(problems[0]) and f"#{victim.id}" in str(problems[0])


def test_audit_verify_command_fails_and_names_the_row(world, capsys):
    call_command("audit", "verify")
    assert "校验通过" in capsys.readouterr().out
    victim = AuditEvent.objects.order_by("id")[3]
    _tamper("UPDATE audit_auditevent SET changes = %s WHERE id = %s", ['{"forged": 1}', victim.id])
    with pytest.raises(CommandError, match="发现 1 处问题"):
        call_command("audit", "verify")
    assert f"事件 #{victim.id}" in capsys.readouterr().err


def test_deleting_an_event_from_the_middle_is_detected(world):
    # Events go to a chain at random: take the longest, which the world's events fill to 3+.
    longest = AuditEvent.objects.values("chain").annotate(n=Count("id")).order_by("-n").first()
    events = list(AuditEvent.objects.filter(chain=longest["chain"]).order_by("seq"))
    assert len(events) >= 3
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    problems = list(audit_verify())
    assert any(p.event_id == events[2].id and "序号不连续" in p.reason for p in problems)


def test_deleting_the_last_event_of_a_chain_is_detected(world):
    head = AuditChainHead.objects.filter(seq__gt=0).first()
    last = AuditEvent.objects.get(chain=head.chain, seq=head.seq)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [last.id])
    problems = list(audit_verify())
    assert any(p.chain == head.chain and "末尾事件" in p.reason for p in problems)


def test_recomputing_a_plain_hash_is_not_enough_to_forge(world, settings):
    """The chain is keyed (HMAC-SM3): without the key, a forger's recomputed hash fails."""
    victim = AuditEvent.objects.order_by("id")[2]
    victim.object_repr = "伪造"
    settings.AUDIT_KEY = "attacker-guess"
    from wushe.audit.services import event_digest

    forged = event_digest(victim)
    settings.AUDIT_KEY = "dev-only-audit-key"
    _tamper(
        "UPDATE audit_auditevent SET object_repr = %s, hash = %s WHERE id = %s",
        ["伪造", forged, victim.id],
    )
    assert any(p.event_id == victim.id for p in audit_verify())


def test_events_spread_over_chains_and_each_chain_is_gapless(world):
    for i in range(40):
        audit_record(actor=None, action="test.ping", object_repr=str(i))
    chains = AuditEvent.objects.values_list("chain", flat=True).distinct()
    assert len(set(chains)) > 1
    for chain in set(chains):
        seqs = list(
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    assert list(audit_verify()) == []


def test_auditor_sees_events_of_their_county_only(world, client):
    client.force_login(world.users["auditor"])
    body = client.get("/audit/").content.decode()
    assert "爱国街道社工站" in body
    assert "东华门街道社工站" not in body and "林海街道社工站" not in body


def test_station_worker_has_no_audit_page(world, client):
    client.force_login(world.users["station_worker"])
    response = client.get("/audit/")
    assert response.status_code == 200
    assert "爱国街道社工站" not in response.content.decode()


def test_admin_offers_no_edit_or_delete_of_events(world, client):
    event = AuditEvent.objects.first()
    client.force_login(world.users["sysadmin"])
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    response = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action != "x"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_every_chain_intact():
    """Writers in parallel take different chain heads (SKIP LOCKED) and no link is lost."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")

    def write(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", object_repr=f"{n}-{i}")
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    events = AuditEvent.objects.filter(action="test.concurrent")
    assert events.count() == 120
    assert events.values("chain").distinct().count() > 1
    assert list(audit_verify()) == []


def test_audit_events_keep_no_index_on_the_actor():
    """Every service write adds an event, and nothing reads events by account: no index on
    the actor; the action (prefix filters), the region code (scopes), the time and the chain
    keep theirs."""
    with connection.cursor() as cursor:
        found = [
            tuple(c["columns"])
            for c in connection.introspection.get_constraints(cursor, "audit_auditevent").values()
            if (c["index"] or c["unique"]) and not c["primary_key"]
        ]
    assert ("actor_id",) not in found
    assert {("action",), ("region_code",), ("at",), ("chain", "seq")} <= set(found)

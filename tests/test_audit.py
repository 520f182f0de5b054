"""The audit trail: every write leaves an event, the chain detects tampering, and nothing
in the product can edit or delete an event."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

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


def test_deleting_an_event_from_the_middle_is_detected(chain_of_three):
    events = list(AuditEvent.objects.filter(chain=chain_of_three).order_by("seq"))
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


def test_each_chain_is_gapless_and_a_connection_keeps_to_its_chain(world):
    """On PostgreSQL a connection writes on where it left a chain, one statement an event
    (its head's lock, the event and the head's move); SQLite takes a chain at random."""
    from django.test.utils import CaptureQueriesContext

    audit_record(actor=None, action="test.ping", object_repr="first")
    with CaptureQueriesContext(connection) as queries:
        for i in range(40):
            audit_record(actor=None, action="test.ping", object_repr=str(i))
    chains = set(AuditEvent.objects.filter(action="test.ping").values_list("chain", flat=True))
    for chain in chains:
        seqs = list(
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    if connection.vendor == "postgresql":
        assert len(chains) == 1
        assert len(queries) == 40
    else:
        assert len(chains) > 1
    assert list(audit_verify()) == []


def test_an_event_rolled_back_leaves_no_gap(world):
    """The connection's note of its chain's head runs ahead of a rollback: the next event
    finds the head elsewhere, takes it as it is, and the chain stays whole."""
    from django.db import transaction

    audit_record(actor=None, action="test.kept", object_repr="before")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.undone", object_repr="undone")
        raise RuntimeError("the write fails after its event")
    audit_record(actor=None, action="test.kept", object_repr="after")
    assert not AuditEvent.objects.filter(action="test.undone").exists()
    assert AuditEvent.objects.filter(action="test.kept").count() == 2
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


def test_audit_events_keep_only_the_indexes_their_readers_use():
    """Every service write adds an event, and each index is one write more: none on the
    actor (nothing reads events by account) or the action (its prefix filter reads within
    the others); the time (the list), the region with the time (a scoped list) and the
    chain (verification) keep theirs."""
    with connection.cursor() as cursor:
        found = [
            tuple(c["columns"])
            for c in connection.introspection.get_constraints(cursor, "audit_auditevent").values()
            if (c["index"] or c["unique"]) and not c["primary_key"]
        ]
    assert sorted(found) == [("at",), ("chain", "seq"), ("region_code", "at")]


@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_a_head_another_transaction_holds():
    """A connection's own chain, locked by a long transaction elsewhere (an import, say):
    the next event goes on another chain at once."""
    import threading

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    first = audit_record(actor=None, action="test.first")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(chain=first.chain)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        second = audit_record(actor=None, action="test.second")
    finally:
        release.set()
        holder.join()
    assert second.chain != first.chain
    assert list(audit_verify()) == []

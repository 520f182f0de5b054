"""Appending to and verifying the audit trail. Every service write calls `audit_record`."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any, NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from wushe.audit.models import AuditChainHead, AuditEvent
from wushe.core import context
from wushe.core.crypto import hmac_sm3_hex
from wushe.core.sql import insert_statement, inserted, prepared_cursor

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain", "seq", "at", "actor_id", "actor_name", "action", "object_type", "object_id",
    "object_repr", "changes", "region_code", "ip", "request_id", "prev_hash",
)  # fmt: skip


def _json_safe(value: Any) -> Any:
    """JSON that every database returns exactly as given: PostgreSQL's jsonb rewrites some
    numbers (1e20, -0.0) and refuses NaN, so floats are kept as their text."""
    if _plain_json(value):  # most changes: text, whole numbers, lists of them
        return value
    plain = json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    return _floats_as_text(plain)


def _plain_json(value: Any) -> bool:
    """Made only of what JSON keeps as it is: text, whole numbers, true/false/null, and
    lists and objects (with text keys) of those."""
    if value is None or type(value) in (str, int, bool):
        return True
    if type(value) is list:
        return all(_plain_json(item) for item in value)
    if type(value) is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    return False


def _floats_as_text(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return value


def event_digest(event: AuditEvent) -> str:
    """HMAC-SM3 over the event's fields in a canonical form, keyed by settings.AUDIT_KEY."""
    payload = {name: getattr(event, name) for name in HASHED_FIELDS}
    payload["at"] = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac_sm3_hex(settings.AUDIT_KEY.encode(), canonical.encode())


def head_mac(chain: int, seq: int, hash_: str) -> str:
    """The key's word that a chain really ended at (seq, hash): a rewound head fails it."""
    return hmac_sm3_hex(settings.AUDIT_KEY.encode(), f"head:{chain}:{seq}:{hash_}".encode())


class Head(NamedTuple):
    """A chain head as this transaction locked it."""

    chain: int
    seq: int
    hash: str
    mac: str


def _lock_head() -> Head | AuditChainHead:
    """Lock one chain head that no other transaction holds (PostgreSQL skips locked rows;
    SQLite writers are serialised by their immediate transactions anyway)."""
    global _all_heads_seen
    if not _all_heads_seen:
        _all_heads_seen = _add_missing_heads()
    head = _free_head()
    if head is not None:
        return head
    _add_missing_heads()
    # Every head is busy: wait for one.
    chain = random.randrange(settings.AUDIT_CHAINS)
    return AuditChainHead.objects.select_for_update().get(chain=chain)


_all_heads_seen = False  # this process has seen a head for every chain: no need to count


def _add_missing_heads() -> bool:
    """Create the heads of chains that have none (the first event, or more chains
    configured); True if every chain already had one."""
    if AuditChainHead.objects.count() >= settings.AUDIT_CHAINS:
        return True
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(chain=n, mac=head_mac(n, 0, GENESIS))
            for n in range(settings.AUDIT_CHAINS)
        ],
        ignore_conflicts=True,
    )
    return False


def _free_head() -> Head | None:
    """One head no other transaction holds: the first free one from a random chain on, by
    the key's index, so that dead row versions of the hot heads cost nothing to skip (on
    PostgreSQL, which skips locked rows; SQLite writers are serialised anyway). In SQL of its
    own, as every service write passes here."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    skip = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    start = random.randrange(settings.AUDIT_CHAINS)
    with connection.cursor() as cursor:
        for lowest in (start, 0) if start else (0,):
            cursor.execute(
                f'SELECT "chain", "seq", "hash", "mac" FROM {table} WHERE "chain" >= %s '  # noqa: S608
                f'ORDER BY "chain" LIMIT 1{skip}',
                [lowest],
            )
            row = cursor.fetchone()
            if row is not None:
                return Head(*row)
    return None


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: dict | None = None,
    region_code: str = "",
) -> AuditEvent:
    """Append one event; call it last in the write's transaction so the chain lock is short."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    info = context.current()
    # No savepoint of its own: a failed audit entry fails the write it records.
    with transaction.atomic(savepoint=False):
        event = AuditEvent(
            at=timezone.now(),
            actor=actor_obj,
            actor_name=(actor_obj.get_username() if actor_obj else str(actor or ""))[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            changes=_json_safe(changes or {}),
            region_code=region_code,
            ip=info.ip,
            request_id=info.request_id,
        )
        event.actor_id = actor_obj.pk if actor_obj else None
        last = _last_head() if connection.vendor == "postgresql" else None
        if last is None or not _append(event, last, guarded=True):
            _append(event, _lock_head(), guarded=False)
    return event


def _append(event: AuditEvent, head: Head | AuditChainHead, *, guarded: bool) -> bool:
    """Write `event` as the next link after `head` and move the head to it, in one statement.

    Guarded (PostgreSQL): `head` is where this connection last left a chain, not locked yet.
    The statement locks it and writes only if it is still there and no one else holds it;
    False if it was not, and nothing was written. Writers that keep to a chain of their own
    so take one statement an event, not two (a head's lock, then the event)."""
    event.chain, event.seq, event.prev_hash = head.chain, head.seq + 1, head.hash
    event.hash = event_digest(event)
    moved = Head(head.chain, event.seq, event.hash, head_mac(head.chain, event.seq, event.hash))
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    move = f'UPDATE {table} SET "seq" = %s, "hash" = %s, "mac" = %s WHERE "chain" = %s'  # noqa: S608
    with prepared_cursor() as cursor:
        if guarded:
            sql, params = insert_statement(event, only_if="EXISTS (SELECT 1 FROM moved)")
            cursor.execute(
                f'WITH head AS (SELECT "chain" FROM {table} WHERE "chain" = %s AND "seq" = %s '
                f'AND "hash" = %s FOR UPDATE SKIP LOCKED), moved AS (UPDATE {table} AS h SET '
                f'"seq" = %s, "hash" = %s, "mac" = %s FROM head WHERE h."chain" = head."chain" '
                f"RETURNING 1) {sql}",
                [head.chain, head.seq, head.hash, moved.seq, moved.hash, moved.mac, *params],
            )  # fmt: skip
            row = cursor.fetchone()
            if row is None:
                return False
        else:
            sql, params = insert_statement(event)
            moved_params = [moved.seq, moved.hash, moved.mac, moved.chain]
            if connection.vendor == "postgresql":  # one round trip: the event and its head
                cursor.execute(
                    f"WITH event AS ({sql}) {move} RETURNING (SELECT * FROM event)",
                    [*params, *moved_params],
                )
                row = cursor.fetchone()
            else:
                cursor.execute(sql, params)
                row = cursor.fetchone()
                cursor.execute(move, moved_params)
    inserted(event, row[0])
    # A hint for the next event, checked by the statement: a rollback leaves it ahead of the
    # chain, and the next guarded write then finds the head elsewhere and takes another.
    connections[DEFAULT_DB_ALIAS].wushe_audit_head = moved
    return True


def _last_head() -> Head | None:
    """Where this connection's last event left its chain, if it wrote one."""
    return getattr(connections[DEFAULT_DB_ALIAS], "wushe_audit_head", None)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose values differ."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


@dataclass(frozen=True)
class Problem:
    chain: int
    event_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = (
            f"事件 #{self.event_id}（链 {self.chain}，序号 {self.seq}）"
            if self.event_id
            else (f"链 {self.chain}")
        )
        return f"{where}：{self.reason}"


def audit_verify() -> Iterator[Problem]:
    """Walk every chain and yield each break: an edited, deleted, inserted or truncated event."""
    heads = {h.chain: h for h in AuditChainHead.objects.all()}
    chains = set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    if heads or chains:
        # Every head is created with the first event, so once there is a trail all must exist:
        # a chain deleted together with its head still leaves its number missing.
        chains |= set(range(settings.AUDIT_CHAINS))
    for chain in sorted(chains):
        prev_hash, expected_seq = GENESIS, 1
        events = AuditEvent.objects.filter(chain=chain).order_by("seq")
        for event in events.iterator(chunk_size=2000):
            if event.seq != expected_seq:
                reason = f"序号不连续，应为 {expected_seq}：其前的事件被删除或插入"
                yield Problem(chain, event.id, event.seq, reason)
            if event.prev_hash != prev_hash:
                yield Problem(
                    chain, event.id, event.seq, "与前一事件的链接不符：前一事件被改动或删除"
                )
            if event_digest(event) != event.hash:
                yield Problem(chain, event.id, event.seq, "内容与其哈希不符：此事件被改动")
            prev_hash, expected_seq = event.hash, event.seq + 1
        head = heads.get(chain)
        last_seq = expected_seq - 1
        if head is None:
            yield Problem(chain, None, None, "链头记录缺失")
        elif (head.seq, head.hash) != (last_seq, prev_hash):
            reason = f"链头记录为第 {head.seq} 条，实际只到第 {last_seq} 条：末尾事件被删除或改动"
            yield Problem(chain, None, head.seq, reason)
        elif head.mac != head_mac(chain, head.seq, head.hash):
            yield Problem(chain, None, head.seq, "链头记录被改动：末尾事件可能被删除后回拨了链头")

"""Live figures, remembered until what they count changes.

The network's figures (stations, coverage, social workers) are counted from its tables, not
from deltas: they stand now rather than over a period. For a province that is grouped scans
over tens of thousands of regions, platforms and postings on every dashboard, while the
tables change a few times a day. So every service that writes them calls `network_changed()`
in its own transaction, which gives the network a new random token, and a reading is
remembered under (token, indicator, regions). Once the write commits, every reader sees the
new token and counts afresh: a figure shown is always what the tables hold.

A reading is remembered only when taken outside a transaction. Inside one, the token or the
tables may hold this transaction's uncommitted writes, and a rollback must leave nothing
behind. A token is random rather than counted up, so a rolled-back one is never seen again.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

from wushe.stats.models import Generation

NETWORK = "network"
TIMEOUT = 24 * 3600  # seconds; a token outlives this only where nothing changes for a day


def network_changed() -> None:
    """Call in the transaction that writes a platform, posting, worker or region."""
    token = secrets.token_hex(16)
    if not Generation.objects.filter(name=NETWORK).update(token=token):
        Generation.objects.update_or_create(name=NETWORK, defaults={"token": token})


def network_token() -> str:
    found = Generation.objects.filter(name=NETWORK).values_list("token", flat=True).first()
    return found or ""


def remembered(token: str, code: str, regions: list, memo: dict, count: Callable) -> dict:
    """`count(regions, memo)` for the live indicator `code`, from the cache while the
    network's `token` (`network_token()`, read once per reading) stands."""
    codes = ",".join(r.code for r in regions)
    digest = hashlib.blake2b(codes.encode(), digest_size=16).hexdigest()
    key = f"wushe:live:{token}:{code}:{digest}"
    found = cache.get(key)
    if found is None:
        found = count(regions, memo)
        if not connection.in_atomic_block:
            cache.set(key, found, TIMEOUT)
    return found

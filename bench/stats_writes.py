"""Concurrent visit writes through `visit_create` (32 clients, most in one township) against
raw single-row INSERT transactions into the same table by the same clients, and the figures
exact afterwards.

Usage: .venv/bin/python bench/stats_writes.py --size S|M|L [--reuse] [--clients 32]
[--seconds 20] (add WUSHE_DATABASE_URL=… for PostgreSQL).

Each client is its own process with its own database connection (threads in the smoke
test); three in four write in one township, the rest in four others. A compactor process
folds the deltas every half second meanwhile, as `wushe worker` would. A lock error is any
write that failed on contention: a lock or busy timeout, a deadlock, a serialization
failure, or a distinct-count mark that could not be placed in three tries.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import write_results  # noqa: E402

ANCHOR_PLACE = "基准原始插入"  # marks the anchor's rows, removed afterwards


@dataclass
class Spec:
    user: object
    people: list
    item: object


@dataclass
class Tally:
    ok: int = 0
    lock_errors: int = 0
    other_errors: int = 0
    messages: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.ok += other.ok
        self.lock_errors += other.lock_errors
        self.other_errors += other.other_errors
        self.messages.update(other.messages)


LOCK_WORDS = ("lock", "deadlock", "could not serialize", "could not place the mark", "busy")


def _write_service(spec: Spec, rng: random.Random) -> None:
    from django.utils import timezone

    from wushe.casework.services import visit_create

    visit_create(by=spec.user, person=rng.choice(spec.people), items=[spec.item],
                 visited_at=timezone.now() - timedelta(minutes=rng.randint(1, 600)))  # fmt: skip


def _write_raw(spec: Spec, rng: random.Random) -> None:
    """The anchor: one row, one transaction, the same table, nothing else, through the same
    cursor as a visit's statements (prepared on PostgreSQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wushe.core.sql import prepared_cursor

    person = rng.choice(spec.people)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(
            "INSERT INTO casework_visit (client_id, person_id, household_id, "
            "counted_household_id, region_code, visited_at, place, living_conditions, risks, "
            "needs_found, volunteers, follow_up_on, created_by_id, created_at) VALUES "
            "(%s, %s, NULL, %s, %s, %s, %s, '', '', '', '', NULL, %s, %s)",
            [uuid.uuid4().hex, person.pk, person.household_id, person.region_id, now,
             ANCHOR_PLACE, spec.user.pk, now],
        )  # fmt: skip


def _client(kind: str, spec: Spec, start_at: float, until: float, seed: int) -> Tally:
    from django.db import connection

    tally = Tally()
    rng = random.Random(seed)
    write = _write_service if kind == "service" else _write_raw
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < until:
        try:
            write(spec, rng)
            tally.ok += 1
        except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
            text = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
            if any(word in text.lower() for word in LOCK_WORDS):
                tally.lock_errors += 1
            else:
                tally.other_errors += 1
            tally.messages[text] += 1
    connection.close()
    return tally


def _compactor(start_at: float, until: float) -> Tally:
    from django.db import connection

    from wushe.stats.compact import compact

    tally = Tally()
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < until + 1:
        try:
            tally.ok += compact()
        except Exception as exc:  # noqa: BLE001
            tally.lock_errors += 1
            tally.messages[f"compactor: {type(exc).__name__}: {exc}"[:120]] += 1
        time.sleep(0.5)
    connection.close()
    return tally


def _in_process(queue, role: str, fn, args) -> None:
    queue.put((role, fn(*args)))


def run_phase(kind: str, specs: list[Spec], seconds: float, *, processes: bool) -> dict:
    """All clients (and the compactor, for the service) at once for `seconds`."""
    from django.db import connections

    connections.close_all()  # a forked child must open its own connection
    start_at = time.time() + (1.5 if processes else 0.2)
    until = start_at + seconds
    jobs = [("writer", _client, (kind, spec, start_at, until, n)) for n, spec in enumerate(specs)]
    if kind == "service":
        jobs.append(("compactor", _compactor, (start_at, until)))
    results: list[tuple[str, Tally]] = []
    if processes:
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        children = [ctx.Process(target=_in_process, args=(queue, *job)) for job in jobs]
        for child in children:
            child.start()
        results = [queue.get() for _ in children]
        for child in children:
            child.join()
    else:
        lock = threading.Lock()

        def run(role, fn, a) -> None:
            value = fn(*a)
            with lock:
                results.append((role, value))

        threads = [threading.Thread(target=run, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    tallies = {"writer": Tally(), "compactor": Tally()}
    for role, tally in results:
        tallies[role].add(tally)
    return {"tally": tallies["writer"], "compactor": tallies["compactor"], "seconds": seconds}


def clients(n: int) -> tuple[list[Spec], object, list]:
    """n clients: three in four in the hot township, the rest spread over four others."""
    import stats_data
    from stats_dashboard import user_with_role

    from wushe.catalog.models import ServiceItem
    from wushe.people.models import Person
    from wushe.regions.models import Level, Region

    towns = list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith="44")
                 .order_by("code"))  # fmt: skip
    hot, others = towns[0], towns[1:5] or towns[:1]
    item = ServiceItem.objects.get(code=stats_data.ITEM)

    def spec_for(town) -> Spec:
        lo, hi = town.code_range
        people = list(Person.objects.filter(region_id__gte=lo, region_id__lte=hi)
                      .order_by("pk")[:5000])  # fmt: skip
        user = user_with_role(f"bench_station_{town.code[:9]}", "station_worker", town)
        return Spec(user, people, item)

    hot_spec = spec_for(hot)
    other_specs = [spec_for(t) for t in others]
    n_hot = max(1, n * 3 // 4) if n > 1 else 1
    specs = [hot_spec] * n_hot + [other_specs[i % len(other_specs)] for i in range(n - n_hot)]
    return specs, hot, others


def measure(n_clients: int, seconds: float, *, processes: bool, full_verify: bool) -> list:
    from django.db import connection

    from wushe.casework.models import Visit
    from wushe.stats.compact import compact
    from wushe.stats.verify import stats_verify

    specs, hot, others = clients(n_clients)
    before = Visit.objects.count()
    raw = run_phase("raw", specs, seconds, processes=processes)
    removed, _ = Visit.objects.filter(place=ANCHOR_PLACE).delete()
    assert removed == raw["tally"].ok, (removed, raw["tally"].ok)
    if connection.vendor == "postgresql":
        # The anchor's rows leave as many dead row versions in the table and its indexes,
        # in the pages the service then writes to: vacuumed now, as autovacuum would (this
        # machine's PostgreSQL runs with it off), so both phases start from a clean table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM casework_visit")
    service = run_phase("service", specs, seconds, processes=processes)
    written = Visit.objects.count() - before
    assert written == service["tally"].ok, (written, service["tally"].ok)
    checks = {}
    started = time.perf_counter()
    checks["hot township, deltas not yet folded"] = len(stats_verify(hot))
    compact()
    if full_verify:
        checks["everywhere, after compaction"] = len(stats_verify())
    else:
        checks["hot township, after compaction"] = len(stats_verify(hot))
        checks["hot township's county"] = len(stats_verify(hot.parent))
    verify_s = time.perf_counter() - started
    raw_rate = raw["tally"].ok / seconds

    def row(case: str, **values) -> dict:
        keys = ("clients", "transactions", "tx_per_s", "vs_anchor", "lock_errors",
                "other_errors", "differences", "notes")  # fmt: skip
        return {"case": case, **{k: values.get(k, "") for k in keys}}

    rows = []
    phases = (("raw single-row INSERT transaction (anchor)", raw),
              ("visit_create (visit, item, deltas, marks, audit event)", service))  # fmt: skip
    for name, phase in phases:
        t = phase["tally"]
        rows.append(row(
            name, clients=n_clients, transactions=t.ok, tx_per_s=round(t.ok / seconds, 1),
            vs_anchor=round(t.ok / seconds / raw_rate, 3) if raw_rate else "",
            lock_errors=t.lock_errors, other_errors=t.other_errors,
            notes="; ".join(f"{m} ×{c}" for m, c in t.messages.most_common(3)),
        ))  # fmt: skip
    folded = service["compactor"]
    rows.append(row("compactor meanwhile (every 0.5 s)", transactions=folded.ok,
                    lock_errors=folded.lock_errors,
                    notes=f"{folded.ok:,} deltas folded; " + "; ".join(
                        f"{m} ×{c}" for m, c in folded.messages.most_common(2))))  # fmt: skip
    rows.append(row(
        "stats_verify() afterwards", differences=sum(checks.values()),
        notes=", ".join(f"{k}: {v}" for k, v in checks.items()) + f" ({verify_s:.1f} s)",
    ))  # fmt: skip
    rows.append(row(f"hot township {hot.code} ({len(specs[0].people):,} people), "
                    f"others {', '.join(t.code for t in others)}",
                    notes=f"{sum(1 for s in specs if s is specs[0])} of {n_clients} clients in "
                    f"the hot township; {connection.vendor}"))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="S")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    from serve import prepare

    backend, size = prepare(args.size, args.reuse)
    from django.conf import settings

    # As deployed: no debug cursor recording every statement (the settings' DEBUG is on by
    # default, for a developer's checkout), for the anchor and the service alike.
    settings.DEBUG = False
    rows = measure(args.clients, args.seconds, processes=True, full_verify=size.name != "L")
    stem = write_results(
        "stats_writes", backend,
        size.describe() + ("; data of an earlier run (--reuse)" if args.reuse else ""), rows,
        notes=f"{args.clients} client processes, each its own connection, {args.seconds:g} s "
        "a phase: first raw single-row INSERTs into casework_visit (one transaction each; "
        "removed afterwards), then visit_create (the visit, its item, its deltas, its "
        "distinct-count marks and its audit event in one transaction) while a compactor "
        "folds the deltas every 0.5 s. Targets: vs_anchor ≥ 0.3, zero lock errors, zero "
        "differences.",
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()

"""The app's URLs plus the benchmarks' hand-written anchors, served only by the benchmark
server (`bench/settings_bench.py`): never part of the app.

- `GET /bench/visits?region=…&limit=50&after=…`: the visits list as raw SQL, returning the
  JSON `GET /api/v1/visits` returns (same token, same region check), one query for the page
  and one per related table, the JSON written by hand.
- `GET /bench/naive/{code}?period=…`: the dashboard's record-based figures the naive way,
  GROUP BY over the raw records (visits, people) for the period, the previous period and
  last year, and by child region.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from wushe.accounts.services import api_token_authenticate
from wushe.core.crypto import decrypt_text
from wushe.core.views import scope_region_or_404
from wushe.urls import urlpatterns as app_urlpatterns


def _caller(request: HttpRequest):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = api_token_authenticate(token) if scheme.lower() == "bearer" else None
    if user is None:
        raise Http404
    return user


def _when(value) -> str | None:
    """As the API writes an aware datetime: ISO 8601 in UTC as Z, to the millisecond (the
    JSON renderer's DjangoJSONEncoder cuts microseconds, as ECMA-262 dates have none)."""
    if value is None:
        return None
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text.replace("+00:00", "Z")


def _day(value) -> str | None:
    return None if value is None else str(value)[:10]


def _uuid(value) -> str:
    text = str(value).replace("-", "")
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _plain(value: str, field: str) -> str:
    return decrypt_text(value, context=f"casework.visit.{field}") if value else value


def _grouped(sql: str, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {i: [] for i in ids}
    if not ids:
        return found
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=", ".join(["%s"] * len(ids))), ids)
        for visit_id, *rest in cursor.fetchall():
            found[visit_id].append(rest)
    return found


def raw_visits(request: HttpRequest) -> HttpResponse:
    user = _caller(request)
    region = scope_region_or_404(user, request.GET.get("region"), "casework.visit")
    if region is None:
        return JsonResponse({"detail": "region is required"}, status=400)
    limit = min(int(request.GET.get("limit", 50)), 200)
    after = request.GET.get("after")
    lo, hi = region.code_range
    params: list = [lo, hi]
    # What a hand who knows SQLite writes for a county or more: the range kept off the
    # region index (unary +), so the planner walks the key instead of sorting the county.
    code = (
        "+v.region_code" if connection.vendor == "sqlite" and region.level <= 3 else "v.region_code"
    )
    sql = (
        "SELECT v.id, v.client_id, v.person_id, v.household_id, v.region_code, v.visited_at, "
        "v.place, v.living_conditions, v.risks, v.needs_found, v.volunteers, v.follow_up_on, "
        "v.created_at, u.name, u.username FROM casework_visit v "
        "JOIN accounts_user u ON u.id = v.created_by_id "
        f"WHERE {code} >= %s AND {code} <= %s"  # noqa: S608
    )
    if after:
        sql += " AND v.id < %s"
        params.append(int(after))
    sql += " ORDER BY v.id DESC LIMIT %s"
    params.append(limit + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r[0] for r in rows]
    items = _grouped(
        "SELECT vi.visit_id, i.id, i.code, i.name FROM casework_visit_items vi "
        "JOIN catalog_serviceitem i ON i.id = vi.serviceitem_id "
        "JOIN catalog_servicedomain d ON d.id = i.domain_id WHERE vi.visit_id IN ({ids}) "
        'ORDER BY d."order", i.region_code, i."order", i.code',
        ids,
    )
    workers = _grouped(
        "SELECT vw.visit_id, w.id FROM casework_visit_workers vw "
        "JOIN network_worker w ON w.id = vw.worker_id WHERE vw.visit_id IN ({ids}) "
        "ORDER BY w.region_code, w.name",
        ids,
    )
    photos = _grouped(
        "SELECT visit_id, id, content_type, size, taken_at, location_enc "
        "FROM casework_visitphoto WHERE visit_id IN ({ids}) ORDER BY id",
        ids,
    )
    needs = _grouped(
        "SELECT visit_id, id FROM casework_need WHERE visit_id IN ({ids}) "
        "ORDER BY status, created_at DESC, id DESC",
        ids,
    )
    out = [
        {
            "id": r[0], "client_id": _uuid(r[1]), "person_id": r[2], "household_id": r[3],
            "region_code": r[4], "visited_at": _when(r[5]), "place": r[6],
            "living_conditions": _plain(r[7], "living_conditions"),
            "risks": _plain(r[8], "risks"), "needs_found": _plain(r[9], "needs_found"),
            "items": [{"id": i, "code": c, "name": n} for i, c, n in items[r[0]]],
            "worker_ids": [w for (w,) in workers[r[0]]], "volunteers": r[10],
            "follow_up_on": _day(r[11]),
            "photos": [{"id": p, "content_type": t, "size": s, "taken_at": _when(at),
                        "has_location": bool(loc)} for p, t, s, at, loc in photos[r[0]]],
            "need_ids": [n for (n,) in needs[r[0]]], "created_by": r[13] or r[14],
            "created_at": _when(r[12]),
        }
        for r in rows
    ]  # fmt: skip
    body = json.dumps({"items": out, "next_after": ids[-1] if more and ids else None})
    return HttpResponse(body, content_type="application/json")


def naive_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    user = _caller(request)
    region = scope_region_or_404(user, code, "stats.dashboard")
    if region is None:
        raise Http404
    from wushe.stats.query import Period

    period = Period.parse(request.GET.get("period"))
    lo, hi = region.code_range
    child = {1: 4, 2: 6, 3: 9, 4: 12}.get(region.level, 12)
    body = {
        "headline": {
            name: _naive(lo, hi, p, None)[""]
            for name, p in (("now", period), ("previous", period.previous()),
                            ("last_year", period.last_year()))
        },
        "breakdown": _naive(lo, hi, period, child),
    }  # fmt: skip
    return JsonResponse(body)


def _bounds(period) -> tuple[datetime, datetime]:
    from django.utils import timezone

    from wushe.stats.query import month_add

    tz = timezone.get_current_timezone()
    start = datetime.combine(period.first, datetime.min.time(), tz)
    end = datetime.combine(month_add(period.last, 1), datetime.min.time(), tz)
    return start, end


def _naive(lo: str, hi: str, period, child: int | None) -> dict[str, dict[str, int]]:
    """{child prefix or "": figures} straight from the records."""
    start, end = (connection.ops.adapt_datetimefield_value(t) for t in _bounds(period))
    key = f"substr(region_code, 1, {child})" if child else "''"
    group = f" GROUP BY {key}" if child else ""
    household = ("CASE WHEN counted_household_id IS NOT NULL THEN 'h' || counted_household_id "
                 "ELSE 'p' || person_id END")  # fmt: skip
    found: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, COUNT(*), COUNT(DISTINCT person_id), COUNT(DISTINCT {household}) "  # noqa: S608
            "FROM casework_visit WHERE region_code >= %s AND region_code <= %s "
            f"AND visited_at >= %s AND visited_at < %s{group}",
            [lo, hi, start, end],
        )
        for k, visits, people, households in cursor.fetchall():
            found.setdefault(k, {}).update(
                visits=visits, people_visited=people, households_visited=households,
                served_person_times=visits,
            )  # fmt: skip
        cursor.execute(
            f"SELECT {key}, COUNT(*), SUM(CASE WHEN created_at >= %s THEN 1 ELSE 0 END) "  # noqa: S608
            "FROM people_person WHERE region_code >= %s AND region_code <= %s "
            f"AND created_at < %s{group}",
            [start, lo, hi, end],
        )
        for k, registered, opened in cursor.fetchall():
            found.setdefault(k, {}).update(people_registered=registered,
                                           archives_opened=int(opened or 0))  # fmt: skip
    found.setdefault("", {})
    return found


urlpatterns = [
    path("bench/visits", raw_visits),
    path("bench/naive/<str:code>", naive_dashboard),
    *app_urlpatterns,
]

"""The series the figures are made of: what each kind of record contributes, and where.

A *sum* series is a number per record, put at the record's lowest region on the record's
day: a visit is one visit on the day it was made in its village. It is said twice, once per
record (for the deltas a write appends) and once as a query over many records (for `stats
verify` and `stats rebuild`); the tests hold the two to each other.

A *distinct* series counts people or households once per period (人, 户): the one sits on
the first visit of that person in the month, say, and is moved when that first visit is
deleted or an earlier one is recorded (`wushe.stats.record.refresh_marks`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

Point = tuple[str, date, int]  # (region code, day, value)


def local_day(moment: datetime | date) -> date:
    """The day a moment falls on where the platform keeps time (TIME_ZONE): the figures'
    days never depend on a request's active time zone."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment, timezone.get_default_timezone()).date()
    return moment


def in_range(qs: models.QuerySet, field: str, lo: str, hi: str) -> models.QuerySet:
    return qs.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})


@dataclass(frozen=True)
class SumSeries:
    code: str
    model: str  # app_label.ModelName of the records it counts
    points: Callable[[models.Model], list[Point]]
    aggregate: Callable[[str, str], Iterable[Point]]
    kind: str = field(default="sum", init=False)


@dataclass(frozen=True)
class DistinctSeries:
    """One per key (a person and a month, say), at the place and day `locate` finds."""

    code: str
    model: str
    keys: Callable[[models.Model], list[str]]
    locate: Callable[[str], tuple[str, date] | None]
    marks: Callable[[str, str], Iterator[tuple[str, str, date]]]  # (key, region, day) in range
    # Where a record would put the one of each of its keys if it were the first: (region, day).
    position: Callable[[models.Model], tuple[str, date]]
    kind: str = field(default="distinct", init=False)


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def _by_day(qs, region: str, day_field: str, value) -> Iterator[Point]:
    rows = qs.values(region, day_field).annotate(v=value).values_list(region, day_field, "v")
    for code, day, v in rows:
        if v:
            yield code, day, int(v)


def _dated(qs, region: str, moment: str, value) -> Iterator[Point]:
    """A per-(region, local day) aggregate of a datetime column."""
    tz = timezone.get_default_timezone()
    qs = qs.annotate(_day=TruncDate(moment, tzinfo=tz))
    return _by_day(qs, region, "_day", value)


# --- the registry -------------------------------------------------------------------------


def _one(region_attr: str, moment_attr: str, *, when=None) -> Callable:
    def points(obj) -> list[Point]:
        if when is not None and not when(obj):
            return []
        moment = getattr(obj, moment_attr)
        if moment is None:
            return []
        return [(getattr(obj, region_attr), local_day(moment), 1)]

    return points


def _count(model: str, region: str, moment: str, *, datetime_field=True, **filters) -> Callable:
    def aggregate(lo: str, hi: str) -> Iterable[Point]:
        qs = in_range(_model(model).objects.filter(**filters), region, lo, hi)
        qs = qs.exclude(**{f"{moment}__isnull": True})
        if datetime_field:
            return _dated(qs, region, moment, Count("pk"))
        return _by_day(qs, region, moment, Count("pk"))

    return aggregate


# People and households (建档立卡).
PEOPLE = SumSeries(
    "people", "people.Person", _one("region_id", "created_at"),
    _count("people.Person", "region_id", "created_at"),
)  # fmt: skip
HOUSEHOLDS = SumSeries(
    "households", "people.Household", _one("region_id", "created_at"),
    _count("people.Household", "region_id", "created_at"),
)  # fmt: skip


def _category_points(category: str) -> Callable:
    def points(entry) -> list[Point]:
        if entry.category != category:
            return []
        code = entry.person.region_id
        rows = [(code, entry.started_on, 1)]
        if entry.ended_on is not None:
            rows.append((code, entry.ended_on + timedelta(days=1), -1))
        return rows

    return points


def _category_aggregate(category: str) -> Callable:
    def aggregate(lo: str, hi: str) -> Iterable[Point]:
        from wushe.people.models import PersonCategory

        qs = in_range(PersonCategory.objects.filter(category=category), "person__region_id", lo, hi)
        yield from _by_day(qs, "person__region_id", "started_on", Count("pk"))
        ended = qs.exclude(ended_on__isnull=True).values_list("person__region_id", "ended_on")
        counts: dict[tuple[str, date], int] = {}
        for code, day in ended:
            key = (code, day + timedelta(days=1))
            counts[key] = counts.get(key, 0) - 1
        for (code, day), v in counts.items():
            yield code, day, v

    return aggregate


def category_series() -> list[SumSeries]:
    from wushe.people.models import Category

    return [
        SumSeries(f"category.{c}", "people.PersonCategory", _category_points(c),
                  _category_aggregate(c))
        for c in Category.values
    ]  # fmt: skip


# Visits (入户走访).
VISITS = SumSeries(
    "visits", "casework.Visit", _one("region_id", "visited_at"),
    _count("casework.Visit", "region_id", "visited_at"),
)  # fmt: skip


def _period_key(day: date, grain: str) -> str:
    return f"{day:%Y-%m}" if grain == "month" else f"{day:%Y}"


def _period_bounds(key: str) -> tuple[datetime, datetime]:
    """The local datetimes a period key covers: [start, end)."""
    tz = timezone.get_default_timezone()
    if len(key) == 7:
        year, month = int(key[:4]), int(key[5:])
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
    else:
        start, end = date(int(key), 1, 1), date(int(key) + 1, 1, 1)
    return (
        datetime.combine(start, datetime.min.time(), tz),
        datetime.combine(end, datetime.min.time(), tz),
    )


def _visit_subject(grain: str, unit: str):
    """Keys and locations of the distinct visited people (unit "person") or households."""

    def subject(visit) -> str | None:
        if unit == "person":
            return f"p{visit.person_id}" if visit.person_id else None
        home = visit.counted_household_id
        return f"h{home}" if home else f"p{visit.person_id}"

    def keys(visit) -> list[str]:
        who = subject(visit)
        return [f"{who}:{_period_key(local_day(visit.visited_at), grain)}"] if who else []

    def locate(key: str) -> tuple[str, date] | None:
        from wushe.casework.models import Visit

        who, period = key.split(":")
        start, end = _period_bounds(period)
        qs = Visit.objects.filter(visited_at__gte=start, visited_at__lt=end)
        if who.startswith("h"):
            qs = qs.filter(counted_household_id=int(who[1:]))
        else:
            qs = qs.filter(person_id=int(who[1:]))
            if unit == "household":
                qs = qs.filter(counted_household__isnull=True)
        first = qs.order_by("visited_at", "pk").values_list("region_id", "visited_at").first()
        return (first[0], local_day(first[1])) if first else None

    def marks(lo: str, hi: str) -> Iterator[tuple[str, str, date]]:
        from wushe.casework.models import Visit

        qs = in_range(Visit.objects.all(), "region_id", lo, hi)
        if unit == "person":
            qs = qs.filter(person__isnull=False)
        rows = qs.order_by("visited_at", "pk").values_list(
            "person_id", "counted_household_id", "region_id", "visited_at"
        )
        seen: set[str] = set()
        for person_id, household_id, code, moment in rows.iterator(chunk_size=5000):
            if unit == "person":
                who = f"p{person_id}"
            else:
                who = f"h{household_id}" if household_id else f"p{person_id}"
            day = local_day(moment)
            key = f"{who}:{_period_key(day, grain)}"
            if key not in seen:
                seen.add(key)
                yield key, code, day

    return keys, locate, marks


def _distinct(code: str, grain: str, unit: str) -> DistinctSeries:
    keys, locate, marks = _visit_subject(grain, unit)
    return DistinctSeries(
        code, "casework.Visit", keys, locate, marks,
        position=lambda visit: (visit.region_id, local_day(visit.visited_at)),
    )  # fmt: skip


VISITED_PEOPLE_MONTH = _distinct("visited_people.month", "month", "person")
VISITED_PEOPLE_YEAR = _distinct("visited_people.year", "year", "person")
VISITED_HOUSEHOLDS_MONTH = _distinct("visited_households.month", "month", "household")
VISITED_HOUSEHOLDS_YEAR = _distinct("visited_households.year", "year", "household")

# Needs (需求): registered on their day; open from then until resolved; met when resolved.
NEEDS = SumSeries(
    "needs", "casework.Need", _one("region_id", "created_at"),
    _count("casework.Need", "region_id", "created_at"),
)  # fmt: skip


def _needs_open_points(need) -> list[Point]:
    rows = [(need.region_id, local_day(need.created_at), 1)]
    if need.resolved_at is not None:
        rows.append((need.region_id, local_day(need.resolved_at), -1))
    return rows


def _needs_open_aggregate(lo: str, hi: str) -> Iterable[Point]:
    from wushe.casework.models import Need

    qs = in_range(Need.objects.all(), "region_id", lo, hi)
    yield from _dated(qs, "region_id", "created_at", Count("pk"))
    for code, day, v in _dated(qs.exclude(resolved_at__isnull=True), "region_id", "resolved_at",
                               Count("pk")):  # fmt: skip
        yield code, day, -v


NEEDS_OPEN = SumSeries("needs_open", "casework.Need", _needs_open_points, _needs_open_aggregate)
NEEDS_MET = SumSeries(
    "needs_met", "casework.Need",
    _one("region_id", "resolved_at", when=lambda n: n.status == "met"),
    _count("casework.Need", "region_id", "resolved_at", status="met"),
)  # fmt: skip

# Cases (个案): opened, closed (as they stand now: a reopened case is open again), open.
CASES_OPENED = SumSeries(
    "cases_opened", "casework.Case", _one("region_id", "opened_at"),
    _count("casework.Case", "region_id", "opened_at"),
)  # fmt: skip
CASES_CLOSED = SumSeries(
    "cases_closed", "casework.Case",
    _one("region_id", "closed_at", when=lambda c: c.status == "closed"),
    _count("casework.Case", "region_id", "closed_at", status="closed"),
)  # fmt: skip


def _cases_open_points(case) -> list[Point]:
    rows = [(case.region_id, local_day(case.opened_at), 1)]
    if case.status == "closed" and case.closed_at is not None:
        rows.append((case.region_id, local_day(case.closed_at), -1))
    return rows


def _cases_open_aggregate(lo: str, hi: str) -> Iterable[Point]:
    from wushe.casework.models import Case

    qs = in_range(Case.objects.all(), "region_id", lo, hi)
    yield from _dated(qs, "region_id", "opened_at", Count("pk"))
    closed = qs.filter(status="closed").exclude(closed_at__isnull=True)
    for code, day, v in _dated(closed, "region_id", "closed_at", Count("pk")):
        yield code, day, -v


CASES_OPEN = SumSeries("cases_open", "casework.Case", _cases_open_points, _cases_open_aggregate)
CASE_SERVICES = SumSeries(
    "case_services", "casework.ServiceRecord",
    lambda r: [(r.case.region_id, r.served_on, 1)],
    lambda lo, hi: _by_day(
        in_range(_model("casework.ServiceRecord").objects.all(), "case__region_id", lo, hi),
        "case__region_id", "served_on", Count("pk"),
    ),
)  # fmt: skip


# Group work (小组) and activities (社区活动), at the platform's region.
def _sessions(value) -> Callable:
    def aggregate(lo: str, hi: str) -> Iterable[Point]:
        qs = in_range(_model("groupwork.GroupSession").objects.all(), "group__region_id", lo, hi)
        return _by_day(qs, "group__region_id", "held_on", value)

    return aggregate


GROUPS = SumSeries(
    "groups", "groupwork.Group", _one("region_id", "created_at"),
    _count("groupwork.Group", "region_id", "created_at"),
)  # fmt: skip
GROUP_SESSIONS = SumSeries(
    "group_sessions", "groupwork.GroupSession",
    lambda s: [(s.group.region_id, s.held_on, 1)], _sessions(Count("pk")),
)  # fmt: skip
GROUP_ATTENDANCE = SumSeries(
    "group_attendance", "groupwork.GroupSession",
    lambda s: [(s.group.region_id, s.held_on, s.attendees.count())],
    _sessions(Count("attendees")),
)  # fmt: skip


def _activity(attr: str | None, scale: int = 1, code: str = "") -> SumSeries:
    code = code or ("activities" if attr is None else f"activity_{attr}")

    def points(activity) -> list[Point]:
        value = 1 if attr is None else int(round(getattr(activity, attr) * scale))
        return [(activity.region_id, activity.held_on, value)]

    def aggregate(lo: str, hi: str) -> Iterable[Point]:
        qs = in_range(_model("groupwork.Activity").objects.all(), "region_id", lo, hi)
        value = Count("pk") if attr is None else Sum(F(attr) * scale)
        return _by_day(qs, "region_id", "held_on", value)

    return SumSeries(code, "groupwork.Activity", points, aggregate)


ACTIVITIES = _activity(None)
ACTIVITY_WORKERS = _activity("social_workers")
ACTIVITY_VOLUNTEERS = _activity("volunteers")
ACTIVITY_DONORS = _activity("donors")
ACTIVITY_BENEFICIARIES = _activity("beneficiaries")
ACTIVITY_FUNDS = _activity(
    "funds_used", scale=100, code="activity_funds"
)  # in 分, so sums stay exact integers


@functools.cache
def all_series() -> list[SumSeries | DistinctSeries]:
    return [
        PEOPLE, HOUSEHOLDS, *category_series(), VISITS, VISITED_PEOPLE_MONTH, VISITED_PEOPLE_YEAR,
        VISITED_HOUSEHOLDS_MONTH, VISITED_HOUSEHOLDS_YEAR, NEEDS, NEEDS_OPEN, NEEDS_MET,
        CASES_OPENED, CASES_CLOSED, CASES_OPEN, CASE_SERVICES, GROUPS, GROUP_SESSIONS,
        GROUP_ATTENDANCE, ACTIVITIES, ACTIVITY_WORKERS, ACTIVITY_VOLUNTEERS, ACTIVITY_DONORS,
        ACTIVITY_BENEFICIARIES, ACTIVITY_FUNDS,
    ]  # fmt: skip


@functools.cache
def series_of(model_label: str) -> list[SumSeries | DistinctSeries]:
    """The series a record of `model_label` feeds."""
    return [s for s in all_series() if s.model.lower() == model_label.lower()]


@functools.cache
def by_code() -> dict[str, SumSeries | DistinctSeries]:
    return {s.code: s for s in all_series()}

"""Writing the demo's plan through the services, and summarising what is there."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction

from wushe.accounts import services as account_services
from wushe.accounts.models import User
from wushe.accounts.permissions import Role
from wushe.catalog.models import ServiceDomain
from wushe.core.demo.casework import ensure_casework
from wushe.core.demo.catalog import ensure_catalog
from wushe.core.demo.groupwork import build_groupwork
from wushe.core.demo.people import ensure_people
from wushe.core.demo.plan import COUNTIES, LEAGUE, LOGINS, PASSWORD, PlatformPlan, plan_demo
from wushe.core.demo.roster import ensure_rosters
from wushe.network import services as network_services
from wushe.network.coverage import Coverage, coverage_by_child, coverage_for
from wushe.network.models import Certificate, Platform, Tier, Worker
from wushe.regions.loader import load_regions
from wushe.regions.models import Level, Region


@dataclass
class LoginRow:
    role: str
    role_label: str
    username: str
    name: str
    region: str


@dataclass
class CountyRow:
    code: str
    name: str
    coverage: Coverage
    workers: int
    certified: int


@dataclass
class DemoResult:
    already_present: bool
    password: str = PASSWORD
    created: dict[str, int] = field(default_factory=dict)
    counties: list[CountyRow] = field(default_factory=list)
    league: CountyRow | None = None
    logins: list[LoginRow] = field(default_factory=list)
    seconds: float = 0.0
    sample_roster: Path | None = None  # a roster with mistakes, for a newcomer to upload


def _ensure_regions(say: Callable[[str], None]) -> None:
    if not Region.objects.filter(code=LEAGUE).exists():
        say("载入内蒙古自治区行政区划（约需数秒）……")
        result = load_regions(["15"])
        say(f"  已载入 {result.read:,} 条区划。")


def _ensure_logins(say: Callable[[str], None]) -> tuple[dict[str, User], int]:
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in LOGINS])}
    created = 0
    with transaction.atomic():
        for spec in LOGINS:
            if spec.username in users:
                continue
            user = account_services.user_create(
                by=None, username=spec.username, name=spec.name, password=PASSWORD
            )
            account_services.role_assign(
                by=None, user=user, role=spec.role, region=Region.objects.get(code=spec.region_code)
            )
            users[spec.username] = user
            created += 1
    say(f"登录账号：新建 {created} 个，已有 {len(LOGINS) - created} 个。")
    return users, created


def _write_platform(
    plan: PlatformPlan, region: Region, domains: dict[str, ServiceDomain], users: dict[str, User]
) -> int:
    """Create one planned platform with its staff; returns the number of postings."""
    platform = network_services.platform_create(
        by=None, tier=plan.tier, region=region, name=plan.name, address=plan.address,
        phone=plan.phone, opened_on=plan.opened_on, status=plan.status,
        service_mode=plan.service_mode, domains=[domains[c] for c in plan.domains if c in domains],
    )  # fmt: skip
    for staff in plan.staff:
        user = users.get(staff.username)
        if user is not None and Worker.objects.filter(user=user).exists():
            user = None
        worker = network_services.worker_create(
            by=None, name=staff.name, region=region, gender=staff.gender,
            certificate=staff.certificate, user=user,
        )  # fmt: skip
        network_services.posting_create(
            by=None, platform=platform, worker=worker, post=staff.post,
            started_on=staff.started_on, ended_on=staff.ended_on,
        )  # fmt: skip
    return len(plan.staff)


def build_demo(*, stdout: TextIO | None = None) -> DemoResult:
    """Build the 兴安盟 demo network and the logins, or leave what is already there."""
    started = time.monotonic()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    _ensure_regions(say)
    league = Region.objects.get(code=LEAGUE)
    lo, hi = league.code_range
    regions = {r.code: r for r in Region.objects.filter(code__gte=lo, code__lte=hi)}
    say(
        f"行政区划：{league.name} {sum(r.level == Level.COUNTY for r in regions.values())} "
        f"个旗县市、{sum(r.level == Level.TOWNSHIP for r in regions.values())} 个苏木乡镇（街道）、"
        f"{sum(r.level == Level.VILLAGE for r in regions.values())} 个嘎查村（社区）。"
    )
    users, users_created = _ensure_logins(say)
    plans = plan_demo([(r.code, r.name, r.level) for r in regions.values() if r.level >= 3])
    domains = {d.code: d for d in ServiceDomain.objects.all()}
    existing = set(
        Platform.objects.filter(region_id__gte=lo, region_id__lte=hi).values_list(
            "tier", "region_id"
        )
    )
    created = {"users": users_created, "platforms": 0, "workers": 0, "postings": 0}
    for county_code in COUNTIES:
        todo = [
            p for p in plans
            if p.region_code[:6] == county_code[:6] and (p.tier, p.region_code) not in existing
        ]  # fmt: skip
        if not todo:
            continue
        with transaction.atomic():
            for plan in todo:
                postings = _write_platform(plan, regions[plan.region_code], domains, users)
                created["platforms"] += 1
                # One worker record per posting: the demo posts nobody twice.
                created["workers"] += postings
                created["postings"] += postings
        tiers = [p.tier for p in todo]
        say(
            f"{regions[county_code].name}：新建中心 {tiers.count(Tier.CENTER)} 个、"
            f"社工站 {tiers.count(Tier.STATION)} 个、社工室 {tiers.count(Tier.ROOM)} 个，"
            f"任职 {sum(len(p.staff) for p in todo)} 人次。"
        )
    created["item_lists"] = ensure_catalog(say)
    created["people"] = ensure_people(say)
    sample = ensure_rosters(say)
    created["visits"] = ensure_casework(say)
    created["groupwork"] = build_groupwork(say)
    result = DemoResult(
        already_present=not any(created.values()), created=created, logins=_login_rows()
    )
    result.counties, result.league = _county_rows(league)
    result.sample_roster = sample
    if result.already_present:
        say("演示数据已存在，未重复创建。")
    result.seconds = time.monotonic() - started
    return result


def _login_rows() -> list[LoginRow]:
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in LOGINS])}
    rows = []
    for spec in LOGINS:
        user = users.get(spec.username)
        rows.append(LoginRow(
            spec.role, str(Role(spec.role).label), spec.username, user.name if user else spec.name,
            Region.objects.get(code=spec.region_code).full_name,
        ))  # fmt: skip
    return rows


def _county_rows(league: Region) -> tuple[list[CountyRow], CountyRow]:
    rows = []
    for county, coverage in coverage_by_child(league):
        lo, hi = county.code_range
        workers = Worker.objects.filter(region_id__gte=lo, region_id__lte=hi)
        certified = workers.exclude(certificate=Certificate.NONE).count()
        rows.append(CountyRow(county.code, county.name, coverage, workers.count(), certified))
    workers, certified = sum(r.workers for r in rows), sum(r.certified for r in rows)
    return rows, CountyRow(league.code, league.name, coverage_for(league), workers, certified)

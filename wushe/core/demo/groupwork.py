"""The demo's group work and activities: a left-behind children's group at 爱国街道 (ended,
with its evaluation), an elderly mutual-aid group at 和平街道 (running), and the 重阳节 and
anti-fraud activities seed 003's stations report, written through the services."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from wushe.catalog.models import ServiceItem
from wushe.core.demo.people import TOWNSHIPS
from wushe.core.demo.plan import SEED
from wushe.groupwork import services
from wushe.groupwork.models import Activity, Group
from wushe.network.models import Platform, Tier
from wushe.people.models import Category, Person, adult_cutoff
from wushe.regions.models import Region

AIGUO, HEPING = TOWNSHIPS


@dataclass(frozen=True)
class GroupPlan:
    township: str
    name: str
    theme: str
    goals: str
    items: tuple[str, ...]
    planned_sessions: int
    first_session: date
    topics: tuple[str, ...]
    evaluation: str = ""  # set: the group has ended


GROUPS = (
    GroupPlan(
        AIGUO,
        "留守儿童“快乐成长”小组",
        "情绪认知、同伴支持与自我保护",
        "1. 组员能识别并表达 4 种以上情绪；\n2. 每名组员结识至少 2 名同伴；\n"
        "3. 组员掌握防溺水、防拐骗等自我保护知识。",
        ("children.mental_health", "children.protection"),
        6,
        date(2026, 3, 7),
        (
            "相识相知：我们的小组契约",
            "我的情绪小怪兽",
            "我说你听：学会表达",
            "同伴手拉手",
            "安全小卫士：防溺水与防拐骗",
            "成长分享会：回顾与告别",
        ),
        "六节全部完成，平均出席率约九成。组员普遍能说出并表达常见情绪，形成 3 对同伴结对；"
        "安全知识问答正确率由 55% 提高到 90%。建议与学校儿童主任联动，暑期开展第二期。",
    ),
    GroupPlan(
        HEPING,
        "老年人健康互助小组",
        "慢病自我管理与邻里互助",
        "1. 组员学会自测血压、血糖并记录；\n2. 建立邻里互助结对，独居老人每日有人问候；\n"
        "3. 减少孤独感，增进社区参与。",
        ("elderly.support_network", "elderly.emotional_comfort"),
        8,
        date(2026, 9, 2),
        ("健康从认识自己开始", "血压血糖自测与记录", "合理膳食：少盐少油", "邻里结对：互助小组"),
    ),
)


@dataclass(frozen=True)
class ActivityPlan:
    township: str
    kind: str
    title: str
    held_on: date
    place: str
    description: str
    items: tuple[str, ...]
    social_workers: int
    volunteers: int
    donors: int
    beneficiaries: int
    named: int  # beneficiaries named from the registry (elderly people of the township)
    funds_used: Decimal
    materials_used: str


ACTIVITIES = (
    ActivityPlan(
        AIGUO,
        "community",
        "重阳节敬老活动",
        date(2026, 10, 18),
        "万佳社区党群服务中心",
        "为辖区高龄、独居老人送长寿面，开展义诊、理发和文艺演出，社工入户看望行动不便的老人。",
        ("elderly.emotional_comfort", "elderly.material_aid"),
        4,
        15,
        3,
        86,
        6,
        Decimal("2360.00"),
        "长寿面、重阳糕各 86 份；血压计 2 台（义诊）；理发工具 3 套",
    ),
    ActivityPlan(
        HEPING,
        "themed",
        "防诈骗宣传进社区",
        date(2026, 6, 12),
        "红云社区文化广场",
        "联合派出所民警讲解养老诈骗、电信诈骗常见手法，志愿者帮助居民安装国家反诈中心 App。",
        ("social_assistance.policy", "community_development.participation"),
        2,
        8,
        0,
        210,
        4,
        Decimal("450.00"),
        "宣传折页 500 份、展板 4 块、环保袋 200 个",
    ),
    ActivityPlan(
        HEPING,
        "community",
        "“邻里一家亲”中秋游园会",
        date(2026, 9, 25),
        "红浦社区小广场",
        "猜灯谜、包月饼、亲子游戏，爱心企业捐赠月饼，为困难家庭送去节日慰问。",
        ("community_development.participation", "social_assistance.resources"),
        3,
        12,
        2,
        160,
        0,
        Decimal("1800.00"),
        "月饼 120 盒（爱心企业捐赠）、灯谜 300 条、游戏道具若干",
    ),
)


def _past(day: date, *, span: int = 0) -> date:
    """`day`, or the same day of an earlier year, so that `span` days after it have passed
    (a clock behind the plan's dates must not make a service refuse a future date)."""
    today = timezone.localdate()
    while day + timedelta(days=span) > today:
        day = day.replace(year=day.year - 1, day=min(day.day, 28))
    return day


def _station(code: str) -> Platform | None:
    return (
        Platform.objects.filter(tier=Tier.STATION, region_id=code).select_related("region").first()
    )


def _people_of(station: Platform):
    lo, hi = station.region.code_range
    return Person.objects.filter(region_id__gte=lo, region_id__lte=hi).order_by("pk")


def _members(station: Platform, plan: GroupPlan) -> list[Person]:
    people = _people_of(station)
    if plan.items[0].startswith("children."):
        children = people.filter(birth_date__gt=adult_cutoff())
        left_behind = children.filter(
            categories__category__in=[Category.CHILD_LEFT_BEHIND, Category.CHILD_IN_DIFFICULTY]
        ).distinct()
        chosen = list(left_behind[:8])
        return chosen + list(children.exclude(pk__in=[p.pk for p in chosen])[: 8 - len(chosen)])
    return list(people.filter(birth_date__lte=date(1961, 1, 1))[:10])


def _write_group(station: Platform, plan: GroupPlan, rng: random.Random) -> int:
    items = list(ServiceItem.objects.filter(code__in=plan.items))
    group = services.group_create(
        by=None, platform=station, name=plan.name, theme=plan.theme, goals=plan.goals,
        items=items, planned_sessions=plan.planned_sessions,
    )  # fmt: skip
    members = _members(station, plan)
    first = _past(plan.first_session, span=7 * len(plan.topics))
    for person in members:
        services.group_member_add(
            by=None, group=group, person=person, joined_on=first - timedelta(days=7)
        )
    for n, topic in enumerate(plan.topics):
        came = [p for p in members if rng.random() < 0.88]
        services.group_session_add(
            by=None, group=group, held_on=first + timedelta(days=7 * n),
            topic=topic, attendees=came,
            notes=f"出席 {len(came)} 人。{rng.choice(NOTES)}",
        )  # fmt: skip
    if plan.evaluation:
        services.group_end(by=None, group=group, evaluation=plan.evaluation)
    return 1


NOTES = (
    "组员参与积极，能主动分享；个别组员较拘谨，下节安排破冰游戏。",
    "通过情景演练巩固所学，组员互相鼓励，气氛融洽。",
    "志愿者协助带领分组讨论，组员提出的问题已记录，下节回应。",
    "本节目标基本达成；有组员因家中有事请假，会后电话告知内容。",
)


def _write_activity(station: Platform, plan: ActivityPlan) -> int:
    named = list(_people_of(station).filter(birth_date__lte=date(1961, 1, 1))[: plan.named])
    services.activity_create(
        by=None, platform=station, kind=plan.kind, title=plan.title, held_on=_past(plan.held_on),
        place=plan.place, description=plan.description,
        items=list(ServiceItem.objects.filter(code__in=plan.items)),
        social_workers=plan.social_workers, volunteers=plan.volunteers, donors=plan.donors,
        beneficiaries=plan.beneficiaries, beneficiary_people=named,
        funds_used=plan.funds_used, materials_used=plan.materials_used,
    )  # fmt: skip
    return 1


def build_groupwork(say: Callable[[str], None]) -> int:
    """Write the demo's groups and activities once; returns how many were created (0 when
    they are already there, or the demo's stations are not)."""
    if not Region.objects.filter(code__in=TOWNSHIPS).exists():
        return 0
    rng = random.Random(SEED + 11)
    groups = activities = 0
    with transaction.atomic():
        for plan in GROUPS:
            station = _station(plan.township)
            if station and not Group.objects.filter(platform=station, name=plan.name).exists():
                groups += _write_group(station, plan, rng)
        for plan in ACTIVITIES:
            station = _station(plan.township)
            if (
                station
                and not Activity.objects.filter(
                    platform=station, title=plan.title, held_on=plan.held_on
                ).exists()
            ):
                activities += _write_activity(station, plan)
    if groups or activities:
        say(f"小组工作与社区活动：新建小组 {groups} 个、社区活动 {activities} 场。")
    return groups + activities

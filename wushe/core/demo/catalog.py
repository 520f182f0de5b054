"""The demo's catalogue: 兴安盟 and 乌兰浩特市 add items of their own ("6+X"), and every
station of the demo publishes its 服务事项清单, through the services like any real one."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.catalog.services import item_create
from wushe.core.demo.plan import LEAGUE, SEED
from wushe.network.models import Platform, Tier
from wushe.network.services import platform_items_set
from wushe.regions.models import Region

LOCAL_ITEMS = [  # (region, domain, name, description)
    (LEAGUE, "social_assistance", "牧区流动救助服务", "深入嘎查、牧点开展救助政策宣传与入户调查"),
    ("152201000000", "community_development", "民族团结进步宣传", "面向各族群众的政策与文化宣传"),
    ("152201000000", "elderly", "助餐助浴", "链接老年食堂、助浴点为高龄独居老人服务"),
]


def ensure_catalog(say: Callable[[str], None]) -> int:
    """Add the local items once and give each station without a list one; returns how many
    stations published a list."""
    with transaction.atomic():
        for code, domain, name, description in LOCAL_ITEMS:
            region = Region.objects.get(code=code)
            if not ServiceItem.objects.filter(region=region, name=name).exists():
                item_create(
                    by=None, region=region, domain=ServiceDomain.objects.get(code=domain),
                    name=name, description=description,
                )  # fmt: skip
        lo, hi = Region.objects.get(code=LEAGUE).code_range
        stations = Platform.objects.filter(
            tier=Tier.STATION, region_id__gte=lo, region_id__lte=hi, items=None
        ).order_by("region_id")
        rng = random.Random(SEED + 7)
        published = 0
        for station in stations:
            offered = list(ServiceItem.objects.for_region(station.region_id).order_by("pk"))
            # Every station visits homes; the rest of its list depends on its team.
            core = [i for i in offered if i.code.endswith("home_visit")]
            rest = rng.sample([i for i in offered if i not in core], k=min(8, len(offered) - 2))
            platform_items_set(by=None, platform=station, items=core + rest)
            published += 1
    if published:
        say(f"服务事项：地方自设 {len(LOCAL_ITEMS)} 项，{published} 个社工站公布了服务事项清单。")
    return published

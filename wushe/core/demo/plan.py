"""The demo's plan: which platforms, staff and logins 兴安盟 gets (pure, seeded).

The plan is a pure function of the region rows and a fixed seed, so every run on the same
regions plans the same network; the writes all go through the services (with `by=None`, the
system), so the audit trail records them; and anything already there is left alone, so a
second run writes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from wushe.accounts.permissions import Role
from wushe.network.models import Certificate, Post, ServiceMode, Status, Tier
from wushe.regions.models import Level

SEED = 1522
PASSWORD = "Wushe@2026"  # noqa: S105 (the demo's published password, printed on every run)
PROVINCE = "150000000000"
LEAGUE = "152200000000"
LATEST_START = date(2024, 12, 31)  # nothing opens and nobody starts after this
LATEST_END = date(2026, 6, 30)  # the postings that ended, ended by then


@dataclass(frozen=True)
class CountyStyle:
    station_share: float  # townships with a station; 1.0 also covers farms, parks and the like
    room_share: float  # of all villages
    first_opening: date
    streets: tuple[str, ...]
    suspended_stations: int = 0


_BANNER_STREETS = ("人民路", "团结街", "幸福街", "建设路", "文化街", "光明街", "友谊路", "民族街")
COUNTIES: dict[str, CountyStyle] = {
    "152201000000": CountyStyle(1.0, 0.60, date(2021, 5, 1), (
        "兴安南大街", "兴安北大街", "罕山街", "五一北路", "和平路", "新桥东街", "都林街",
        "乌兰大街", "红城街", "胜利大街", "洮儿河大街", "天骄路",
    )),
    "152202000000": CountyStyle(0.875, 0.50, date(2021, 9, 1), (
        "林海街", "温泉街", "伊尔施路", "新城街", "白狼大街", "天池路",
    )),
    "152221000000": CountyStyle(0.80, 0.35, date(2021, 9, 1), ("科尔沁大街", *_BANNER_STREETS)),
    "152222000000": CountyStyle(
        0.80, 0.33, date(2022, 3, 1), ("巴彦呼舒大街", *_BANNER_STREETS), suspended_stations=1
    ),
    "152223000000": CountyStyle(
        0.85, 0.40, date(2021, 11, 1), ("绰勒大街", *_BANNER_STREETS), suspended_stations=1
    ),
    "152224000000": CountyStyle(0.90, 0.45, date(2022, 1, 1), ("突泉大街", *_BANNER_STREETS)),
}  # fmt: skip


# Villages seed 003 names for their rooms' work: 科右前旗远征村's elderly art troupe and
# 平安村's hand-weaving group. They always get a working room.
FEATURED_VILLAGES = frozenset({"152221100200", "152221100210"})


@dataclass(frozen=True)
class LoginSpec:
    username: str
    name: str
    role: str
    region_code: str
    # Staff logins are the current holder of this post at the platform at this region.
    post: str = ""
    platform_region: str = ""


LOGINS: tuple[LoginSpec, ...] = (
    LoginSpec("province_admin", "王建国", Role.PROVINCE_ADMIN, PROVINCE),
    LoginSpec("city_admin", "包斯琴", Role.CITY_ADMIN, LEAGUE),
    LoginSpec("county_admin", "张明", Role.COUNTY_ADMIN, "152201000000"),
    LoginSpec(
        "center_manager", "刘芳", Role.CENTER_MANAGER, "152201000000",
        Post.DIRECTOR, "152201000000",
    ),
    LoginSpec(
        "station_head", "陈志强", Role.STATION_HEAD, "152201001000", Post.HEAD, "152201001000"
    ),
    LoginSpec(
        "station_worker", "白其其格", Role.STATION_WORKER, "152201001000",
        Post.RESIDENT_WORKER, "152201001000",
    ),
    LoginSpec("volunteer_coordinator", "周磊", Role.VOLUNTEER_COORDINATOR, "152201001000"),
    LoginSpec("supervisor", "乌云", Role.SUPERVISOR, LEAGUE),
    LoginSpec("auditor", "郑洁", Role.AUDITOR, "152201000000"),
    LoginSpec("sysadmin", "冯涛", Role.SYSADMIN, PROVINCE),
)  # fmt: skip

# --- names ---------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎潘杜戴夏田任姜范方石姚谭邹金陆郝孔白崔康毛秦江史顾侯邵孟段雷钱汤尹常武乔贺"
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN = {
    "F": _words(
        "淑华 丽娜 秀兰 海燕 晓燕 春梅 玉兰 桂芝 丽 敏 静 艳 娟 芳 婷 雪 欣怡 佳琪 雨涵 思雨 丹丹 "
        "慧敏 美玲 晓丽 红霞 秀英 凤霞 亚楠 梦瑶 雅琴 文静 晓琳 婧 璐 楠 悦 佳慧 玉梅 丽华 春燕"
    ),
    "M": _words(
        "建国 志强 明 伟 磊 涛 军 勇 杰 强 刚 鹏 浩 宇 海峰 国庆 建华 振华 宏伟 文博 子轩 浩然 "
        "俊杰 志刚 永刚 德胜 立新 晓东 春生 树林 宝山 长青 国栋 铁军 卫东 宏亮 瑞 鑫 福林 占军"
    ),
}
# Mongolian given names, alone or after a Chinese surname that Mongolian families often use.
MONGOLIAN = {
    "F": _words(
        "其其格 乌云 斯琴 萨仁 苏日娜 图雅 娜仁花 乌兰 高娃 塔娜 萨日娜 斯琴高娃 乌日娜 托雅 "
        "哈斯其其格 格日乐 敖登 诺敏 乌仁图雅 萨茹拉 阿茹娜 那仁图雅 其木格 金花 玉荣"
    ),
    "M": _words(
        "巴特尔 额尔敦 宝音 朝鲁 阿拉坦 那仁 哈斯 敖特根 巴图 苏和 孟和 达来 特木尔 格日勒图 "
        "额尔德尼 布和 满都拉 毕力格 乌力吉 图门 巴雅尔 胡日查 宝力道 那顺 阿木古楞"
    ),
}
MONGOLIAN_SURNAMES = ("", "", "", "包", "白", "韩", "吴", "鲍", "金", "佟")

# Certificate odds per post: none, assistant, intermediate, senior.
CERTIFICATE_ODDS = {
    Post.DIRECTOR: (15, 35, 40, 10),
    Post.HEAD: (60, 30, 10, 0),
    Post.DEPUTY: (55, 35, 10, 0),
    Post.RESIDENT_WORKER: (35, 42, 20, 3),
    Post.AGENCY_WORKER: (20, 50, 27, 3),
    Post.ROOM_WORKER: (62, 30, 8, 0),
}
OTHER_CERTIFICATE_ODDS = (70, 25, 5, 0)
CERTIFICATES = (
    Certificate.NONE,
    Certificate.ASSISTANT,
    Certificate.INTERMEDIATE,
    Certificate.SENIOR,
)

# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffPlan:
    name: str
    gender: str
    certificate: str
    post: str
    started_on: date
    ended_on: date | None = None
    username: str = ""


@dataclass(frozen=True)
class PlatformPlan:
    tier: int
    region_code: str
    name: str
    address: str
    phone: str
    opened_on: date | None
    status: str
    service_mode: str
    domains: tuple[str, ...]
    staff: tuple[StaffPlan, ...] = ()


def station_name(township: str) -> str:
    # State farms and the like carry the region's name in front: 内蒙古自治区国营杜尔基农场.
    township = township.removeprefix("内蒙古自治区")
    return f"{township}社工站" if township.endswith("街道") else f"{township}社会工作服务站"


# Committee suffixes of village names and what the place is called without them.
_COMMITTEES = (
    ("社区居民委员会", "社区"), ("社区居委会", "社区"), ("村民委员会", "村"), ("村委会", "村"),
    ("嘎查人民委员会", "嘎查"), ("嘎查委员会", "嘎查"), ("嘎查委会", "嘎查"),
    ("居民委员会", "社区"), ("居委会", "社区"),
)  # fmt: skip


def village_short_name(name: str) -> str:
    """万佳社区居委会 → 万佳社区, 红星村委会 → 红星村, 跃进马场一队居民委员会 → 跃进马场一队."""
    for suffix, kind in _COMMITTEES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem.endswith((kind, "队")) else stem + kind
    return name


def _is_special(code: str) -> bool:
    """Farms, industrial parks, prisons: township-level units numbered from 400."""
    return code[6:9] >= "400"


def _days(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


class _Planner:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.used_names = {spec.name for spec in LOGINS}

    def person(self, post: str) -> tuple[str, str, str]:
        rng = self.rng
        gender = "M" if rng.random() < (0.6 if post == Post.HEAD else 0.3) else "F"
        odds = CERTIFICATE_ODDS.get(post, OTHER_CERTIFICATE_ODDS)
        certificate = rng.choices(CERTIFICATES, weights=odds)[0]
        for _attempt in range(50):
            if rng.random() < 0.3:
                name = rng.choice(MONGOLIAN_SURNAMES) + rng.choice(MONGOLIAN[gender])
            else:
                # Earlier surnames are the commoner ones.
                surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
                name = surname + rng.choice(GIVEN[gender])
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name, gender, certificate

    def staff(
        self, post: str, started_on: date, *, history: float = 0.0, successor: bool = True
    ) -> list[StaffPlan]:
        """One post's holders: usually one, sometimes one who left and (usually) a successor."""
        first = StaffPlan(*self.person(post), post=post, started_on=started_on)
        if self.rng.random() >= history:
            return [first]
        earliest = max(started_on + timedelta(days=240), date(2023, 1, 1))
        ended = _days(self.rng, earliest, LATEST_END)
        gone = StaffPlan(**{**first.__dict__, "ended_on": ended})
        if not successor:
            return [gone]
        return [gone, StaffPlan(*self.person(post), post=post, started_on=ended + timedelta(1))]

    def phone(self) -> str:
        return f"0482-{self.rng.randint(8100000, 8899999)}"

    def address(self, county: str, place: str, style: CountyStyle) -> str:
        return f"{county}{place}{self.rng.choice(style.streets)}{self.rng.randint(1, 199)}号"

    def center(self, code: str, county: str, style: CountyStyle) -> PlatformPlan:
        opened = _days(self.rng, style.first_opening - timedelta(days=120), style.first_opening)
        staff = self.staff(Post.DIRECTOR, opened, history=0.15)
        for _n in range(self.rng.randint(2, 4)):
            staff += self.staff(Post.AGENCY_WORKER, _days(self.rng, opened, opened + timedelta(90)))
        return PlatformPlan(
            Tier.CENTER, code, f"{county}社会工作服务中心", self.address(county, "", style),
            self.phone(), opened, Status.ACTIVE, ServiceMode.BRIDGING,
            ("social_assistance", "elderly", "children", "community_development",
             "volunteer_management"),
            tuple(staff),
        )  # fmt: skip

    def station(
        self, code: str, township: str, county: str, style: CountyStyle, status: str
    ) -> PlatformPlan:
        rng = self.rng
        opened = _days(rng, style.first_opening, date(2023, 12, 31))
        if township.endswith("街道"):
            address = self.address(county, township, style)
        else:
            address = f"{county}{township}{rng.choice(('人民政府院内', '便民服务中心二楼'))}"
        mode = rng.choices(
            (ServiceMode.EMBEDDED, ServiceMode.SINKING, ServiceMode.BRIDGING), (55, 30, 15)
        )[0]
        domains = ["social_assistance", "elderly", "children"]
        domains += [d for d, p in (("community_development", 0.6), ("volunteer_management", 0.5))
                    if rng.random() < p]  # fmt: skip
        if status == Status.PLANNED:
            # Being set up: a head appointed, nothing opened yet.
            head_from = _days(rng, date(2024, 3, 1), LATEST_START)
            return PlatformPlan(
                Tier.STATION, code, station_name(township), address, "", None, status, mode,
                tuple(domains), tuple(self.staff(Post.HEAD, head_from)),
            )  # fmt: skip
        staff = self.staff(Post.HEAD, opened, history=0.12)
        if rng.random() < 0.8:
            staff += self.staff(Post.DEPUTY, _days(rng, opened, opened + timedelta(60)))
        for _n in range(rng.choice((2, 2, 2, 3, 3, 4))):
            staff += self.staff(
                Post.RESIDENT_WORKER, _days(rng, opened, opened + timedelta(120)),
                history=0.5 if status == Status.SUSPENDED else 0.06,
                successor=status != Status.SUSPENDED,
            )  # fmt: skip
        for post, chance in (
            (Post.ASSISTANCE_COORDINATOR, 0.4), (Post.CHILD_SUPERVISOR, 0.35),
            (Post.CHILD_DIRECTOR, 0.15), (Post.AGENCY_WORKER, 0.25),
        ):  # fmt: skip
            if rng.random() < chance:
                staff += self.staff(post, _days(rng, opened, opened + timedelta(365)))
        return PlatformPlan(
            Tier.STATION, code, station_name(township), address, self.phone(), opened, status,
            mode, tuple(domains), tuple(staff),
        )  # fmt: skip

    def room(self, code: str, village: str, place: str, station_opened: date) -> PlatformPlan:
        rng = self.rng
        status = rng.choices((Status.ACTIVE, Status.PLANNED, Status.SUSPENDED), (92, 5, 3))[0]
        if code in FEATURED_VILLAGES:
            status = Status.ACTIVE
        short = village_short_name(village)
        opened = _days(rng, max(station_opened + timedelta(60), date(2022, 1, 1)), LATEST_START)
        mode = rng.choices((ServiceMode.SINKING, ServiceMode.EMBEDDED), (65, 35))[0]
        urban = short.endswith("社区")
        domains = ["social_assistance", "elderly"]
        if rng.random() < 0.5:
            domains.append("children")
        if urban and rng.random() < 0.5:
            domains.append("community_development")
        address = f"{place}{short}{'党群服务中心' if urban else '综合服务中心'}"
        if status == Status.PLANNED:
            return PlatformPlan(Tier.ROOM, code, f"{short}社工室", address, "", None, status,
                                mode, tuple(domains))  # fmt: skip
        started = _days(rng, opened, min(opened + timedelta(60), LATEST_START))
        staff = self.staff(
            Post.ROOM_WORKER, started, history=1.0 if status == Status.SUSPENDED else 0.06,
            successor=status != Status.SUSPENDED,
        )  # fmt: skip
        return PlatformPlan(Tier.ROOM, code, f"{short}社工室", address, "", opened, status, mode,
                            tuple(domains), tuple(staff))  # fmt: skip


def _pick_townships(
    rng: random.Random, townships: list[tuple[str, str]], style: CountyStyle
) -> list[tuple[str, str, str]]:
    """(code, name, status) of the townships that get a station: ordinary townships first, then
    farms and parks, prisons only when every one is covered; where coverage is short, one more
    station is often still being set up, and a few working ones are suspended."""
    wanted = round(style.station_share * len(townships))
    order = sorted(
        townships,
        key=lambda t: (
            not any(v.startswith(t[0][:9]) for v in FEATURED_VILLAGES),
            _is_special(t[0]),
            "监狱" in t[1] or "戒毒" in t[1],
            rng.random(),
        ),
    )
    suspended = set(rng.sample(range(wanted), min(style.suspended_stations, wanted)))
    picked = [
        (code, name, Status.SUSPENDED if i in suspended else Status.ACTIVE)
        for i, (code, name) in enumerate(order[:wanted])
    ]
    if wanted < len(order) and rng.random() < 0.6:
        code, name = order[wanted]
        picked.append((code, name, Status.PLANNED))
    return sorted(picked)


def _pick_villages(
    rng: random.Random, villages: list[tuple[str, str]], count: int
) -> list[tuple[str, str]]:
    """A weighted sample without replacement (Efraimidis–Spirakis): communities more likely,
    the featured villages certain."""

    def key(code: str, name: str) -> float:
        if code in FEATURED_VILLAGES:
            return 2.0  # above any random key
        return rng.random() ** (1 / (2.0 if village_short_name(name).endswith("社区") else 1.0))

    keyed = sorted(((key(code, name), code, name) for code, name in villages), reverse=True)
    return sorted((code, name) for _key, code, name in keyed[:count])


def plan_demo(regions: Sequence[tuple[str, str, int]]) -> list[PlatformPlan]:
    """The demo network for the county, township and village rows (code, name, level) of
    兴安盟; the same rows always give the same plan."""
    planner = _Planner()
    names = {code: name for code, name, _level in regions}
    townships: dict[str, list[tuple[str, str]]] = {}
    villages: dict[str, list[tuple[str, str]]] = {}
    for code, name, level in sorted(regions):
        if level == Level.TOWNSHIP:
            townships.setdefault(code[:6], []).append((code, name))
        elif level == Level.VILLAGE and "虚拟" not in name:
            villages.setdefault(code[:9], []).append((code, name))
    plans: list[PlatformPlan] = []
    for county_code, style in COUNTIES.items():
        county = names.get(county_code)
        if county is None:
            continue
        plans.append(planner.center(county_code, county, style))
        stations = [
            planner.station(code, name, county, style, status)
            for code, name, status in _pick_townships(
                planner.rng, townships.get(county_code[:6], []), style
            )
        ]
        plans += stations
        candidates = [
            (village, name, station)
            for station in stations
            if station.status != Status.PLANNED
            for village, name in villages.get(station.region_code[:9], [])
        ]
        total = sum(len(v) for k, v in villages.items() if k.startswith(county_code[:6]))
        count = min(round(style.room_share * total), len(candidates))
        chosen = set(_pick_villages(planner.rng, [(c, n) for c, n, _s in candidates], count))
        for code, name, station in candidates:
            if (code, name) in chosen:
                place = county + names[station.region_code]
                plans.append(planner.room(code, name, place, station.opened_on))
    return _with_logins(plans)


def _with_logins(plans: list[PlatformPlan]) -> list[PlatformPlan]:
    """Make the staff logins the current holders of their posts, with their own names."""
    result = []
    for plan in plans:
        staff = list(plan.staff)
        for spec in LOGINS:
            if spec.platform_region != plan.region_code or not spec.post:
                continue
            index = next(i for i, s in enumerate(staff) if s.post == spec.post and not s.ended_on)
            gender = "M" if spec.username == "station_head" else "F"
            staff[index] = StaffPlan(**{
                **staff[index].__dict__, "name": spec.name, "gender": gender,
                "certificate": Certificate.INTERMEDIATE if spec.post == Post.DIRECTOR
                else Certificate.ASSISTANT, "username": spec.username,
            })  # fmt: skip
        result.append(PlatformPlan(**{**plan.__dict__, "staff": tuple(staff)}))
    return result

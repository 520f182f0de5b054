"""The demo's daily work in 爱国街道: 白其其格 (station_worker) has visited most of the people
her station serves, some visits with a follow-up date now due and some people not visited
for too long (so her 待办 has something in it), the needs those visits found, and five cases
at different stages: one just opened from a need, one being served, one waiting for 乌云
(the supervisor) to approve its closure, one closed, and one referred to the county's
service center (刘芳, center_manager, sees it under 转介). 乌兰浩特市 requires a supervisor's
approval to close a case. Everything goes through the services, as on the pages."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from wushe.accounts.models import User
from wushe.casework import services
from wushe.casework.models import Case, Visit
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.core.demo.plan import SEED
from wushe.core.photos import PhotoUpload
from wushe.network.models import Platform, Tier
from wushe.people.models import CATEGORY_GROUPS, CategoryGroup, Person
from wushe.regions.models import Region

TOWNSHIP = "152201001000"  # 爱国街道
COUNTY = "152201000000"  # 乌兰浩特市
WORKER, HEAD, SUPERVISOR = "station_worker", "station_head", "supervisor"

FINDINGS = {  # (living conditions, risks, the need found)
    CategoryGroup.ELDERLY: [
        ("独居，行动尚可，屋内取暖靠电暖器，冰箱食物不足三天。",
         "冬季取暖用电负荷大；夜间独处无人照应。", "希望每周有人上门看看，帮忙买菜。"),
        ("与老伴同住，子女在外地务工，每月电话联系一次。",
         "老伴患高血压，服药不规律。", "需要定期测量血压，了解慢病用药知识。"),
        ("半失能，由邻居帮忙送饭，卫生间无扶手。",
         "如厕、洗浴有跌倒风险。", "需要适老化改造和助浴服务。"),
    ],
    CategoryGroup.CHILDREN: [
        ("父母在外务工，随祖父母生活，学习用品齐全。",
         "放学后无人辅导作业，周末常独自在家。", "希望参加周末课业辅导和兴趣活动。"),
        ("与奶奶同住，奶奶年迈，家中经济困难。",
         "孩子性格内向，与同学交往少。", "需要心理陪伴和学业支持。"),
    ],
    CategoryGroup.HARDSHIP: [
        ("低保家庭，户主慢性病，医疗支出较大。", "冬季取暖费用压力大。", "需要临时救助政策咨询。"),
    ],
    CategoryGroup.DISABILITY: [
        ("肢体残疾，轮椅出行，楼道无坡道。", "出行困难，社会交往少。", "需要辅具适配和出行协助。"),
    ],
}  # fmt: skip
ITEMS = {
    CategoryGroup.ELDERLY: (
        "elderly.home_visit",
        "elderly.emotional_comfort",
        "elderly.daily_care",
    ),
    CategoryGroup.CHILDREN: ("children.home_visit", "children.mental_health"),
    CategoryGroup.HARDSHIP: ("social_assistance.survey", "social_assistance.policy"),
    CategoryGroup.DISABILITY: ("social_assistance.survey", "social_assistance.resources"),
}
NEED_DOMAIN = {
    CategoryGroup.ELDERLY: "elderly",
    CategoryGroup.CHILDREN: "children",
    CategoryGroup.HARDSHIP: "social_assistance",
    CategoryGroup.DISABILITY: "social_assistance",
}


def _photo(rng: random.Random) -> PhotoUpload | None:
    """A small picture standing in for a photo taken on the visit (Pillow comes with
    WeasyPrint; without it the demo visits simply have no photos)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover
        return None
    image = Image.new("RGB", (480, 360), (222, 230, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 140, 420, 330), fill=(190, 160, 120))  # a house
    draw.polygon([(40, 150), (240, 40), (440, 150)], fill=(150, 60, 50))
    draw.rectangle((200, 220, 280, 330), fill=(110, 80, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    taken = timezone.now() - timedelta(days=rng.randrange(1, 40))
    return PhotoUpload(data=buffer.getvalue(), taken_at=taken, latitude=46.07, longitude=122.05)


def ensure_casework(say: Callable[[str], None]) -> int:
    """Write the demo's visits, needs and cases once; returns how many visits it wrote."""
    lo, hi = Region.objects.get(code=TOWNSHIP).code_range
    if Visit.objects.filter(region_id__gte=lo, region_id__lte=hi).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=[WORKER, HEAD, SUPERVISOR])}
    if len(users) < 3:
        return 0
    worker = users[WORKER]
    rng = random.Random(SEED + 11)
    items = {i.code: i for i in ServiceItem.objects.all()}
    domains = {d.code: d for d in ServiceDomain.objects.all()}
    people = [
        p for p in Person.objects.filter(region_id__gte=lo, region_id__lte=hi)
        .prefetch_related("categories").order_by("region_id", "pk")
        if any(c.is_current for c in p.categories.all())
    ]  # fmt: skip
    now = timezone.now()
    visits = needs = 0
    with transaction.atomic():
        services.closure_policy_set(
            by=None, region=Region.objects.get(code=COUNTY), needs_approval=True
        )
        for n, person in enumerate(people):
            if n % 5 == 4:
                continue  # every fifth person not visited yet: the 待办 shows them overdue
            group = CATEGORY_GROUPS[next(c.category for c in person.categories.all())]
            group = group if group in FINDINGS else CategoryGroup.ELDERLY
            living, risks, found = rng.choice(FINDINGS[group])
            days_ago = rng.choice((3, 9, 21, 38, 75))
            need = None
            if n % 3 == 0:
                need = services.NeedInput(
                    domain=domains[NEED_DOMAIN[group]], description=found,
                    urgency=rng.choice(("urgent", "soon", "normal", "normal")),
                )  # fmt: skip
            photo = _photo(rng) if n % 4 == 0 else None
            services.visit_create(
                by=None, created_by=worker, person=person,
                visited_at=now - timedelta(days=days_ago, hours=rng.randrange(1, 8)),
                place=person.address or "家中", living_conditions=living, risks=risks,
                needs_found=found,
                items=[items[c] for c in ITEMS[group][: rng.randrange(1, len(ITEMS[group]) + 1)]],
                volunteers=rng.choice(("", "", "李娜", "王磊、萨仁")),
                follow_up_on=(now - timedelta(days=days_ago) + timedelta(days=30)).date()
                if n % 2 == 0 else None,
                photos=[photo] if photo else [], needs=[need] if need else [],
            )  # fmt: skip
            visits += 1
            needs += need is not None
        cases = _cases(users, people, items, domains)
    say(f"走访与个案：爱国街道走访 {visits} 次，登记需求 {needs} 项，个案 {cases} 个（各阶段）。")
    return visits


def _cases(users, people, items, domains) -> int:
    worker, head, supervisor = users[WORKER], users[HEAD], users[SUPERVISOR]
    station = Platform.objects.get(tier=Tier.STATION, region_id=TOWNSHIP)
    center = Platform.objects.filter(tier=Tier.CENTER, region_id=COUNTY).first()
    adults = [p for p in people if not p.is_child]
    today = timezone.localdate()

    def opened(person, title, summary, need=None):
        return services.case_open(
            by=worker, person=person, platform=station, title=title, intake_summary=summary,
            source="入户走访发现", need=need, supervisor=supervisor,
            opened_at=timezone.now() - timedelta(days=30),
        )  # fmt: skip

    def served(case, goals, what):
        case = services.case_assess(by=worker, case=case, assessment="经入户评估：" + what[0])
        case = services.case_plan(by=worker, case=case, goals=goals)
        case = services.case_intervene(by=worker, case=case)
        for n, (text, code) in enumerate(what[1:]):
            services.service_record_add(
                by=worker, case=case, served_on=today - timedelta(days=10 - 3 * n),
                items=[items[code]], description=text, minutes=60 + 30 * n,
            )  # fmt: skip
        return case

    def evaluated(case):
        attained = {g.pk: True for g in case.goals.all()}
        return services.case_evaluate(
            by=worker, case=case, evaluation="服务目标基本达成，服务对象满意。", attained=attained
        )

    open_need = next(
        (p.needs.filter(status="open").first() for p in adults if p.needs.exists()), None
    )
    made = 0
    if open_need is not None:
        opened(open_need.person, f"{open_need.person.name}：{open_need.domain}",
               open_need.description, need=open_need)  # fmt: skip
        made += 1
    subjects = adults[1:5]
    if len(subjects) < 4:
        return made
    case = opened(subjects[0], f"{subjects[0].name}居家安全", "独居，冬季取暖存在安全隐患。")
    served(case, ["更换安全取暖设备", "建立邻里守望"], [
        "取暖设备老化，社会支持薄弱", ("链接慈善资源更换电暖器", "elderly.daily_care"),
        ("联系邻居结成守望对子", "elderly.support_network")])  # fmt: skip
    case = opened(subjects[1], f"{subjects[1].name}慢病管理", "老两口慢病用药不规律。")
    case = evaluated(
        served(
            case,
            ["按时服药", "每月测量血压"],
            ["健康知识不足", ("上门讲解用药知识并制作服药卡", "elderly.family_counselling")],
        )
    )
    services.case_close(by=worker, case=case, reason=Case.Closure.GOALS_MET,
                        note="老人已能按时服药，家属每周电话提醒。")  # fmt: skip
    case = opened(subjects[2], f"{subjects[2].name}助浴", "半失能，洗浴有跌倒风险。")
    case = evaluated(
        served(
            case, ["每周助浴一次"], ["洗浴无人协助", ("链接助浴点上门助浴", "elderly.daily_care")]
        )
    )
    case = services.case_close(by=worker, case=case, reason=Case.Closure.GOALS_MET)
    services.case_approve_closure(by=supervisor, case=case, approve=True, note="同意结案。")
    case = opened(subjects[3], f"{subjects[3].name}心理支持", "丧偶后情绪低落，很少出门。")
    case = services.case_assess(by=worker, case=case, assessment="存在抑郁倾向，需要专业支持。")
    if center is not None:
        services.referral_request(
            by=worker, case=case, kind="referral", to_platform=center,
            reason="需要中心的心理咨询师提供专业评估。",
        )  # fmt: skip
    services.referral_request(
        by=head, case=case, kind="referral", to_organization="乌兰浩特市老年协会",
        reason="邀请参加老年合唱队，扩大社会交往。",
    )  # fmt: skip
    return made + 4

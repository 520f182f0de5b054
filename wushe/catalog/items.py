"""The content items of each domain, as the Hunan DB standard 乡镇（街道）社工站服务指南 lists
them (DOMAIN.md, seed 001): the fixed part of a region's "6+X" catalogue. Regions add their
own items ("X") on top; a station publishes the items it offers as its 服务事项清单."""

ITEMS = [
    ("social_assistance", "survey", "入户调查", 1),
    ("social_assistance", "policy", "政策宣传", 2),
    ("social_assistance", "resources", "资源链接", 3),
    ("social_assistance", "capacity", "能力提升", 4),
    ("social_assistance", "integration", "社会融合", 5),
    ("elderly", "home_visit", "入户走访", 1),
    ("elderly", "material_aid", "物质救助", 2),
    ("elderly", "daily_care", "生活照料", 3),
    ("elderly", "family_counselling", "家庭辅导", 4),
    ("elderly", "emotional_comfort", "精神慰藉", 5),
    ("elderly", "support_network", "社会支持网络建设", 6),
    ("children", "home_visit", "入户走访", 1),
    ("children", "mental_health", "心理健康", 2),
    ("children", "protection", "儿童保护", 3),
    ("community_development", "participation", "促进社区参与", 1),
    ("community_development", "organizations", "培育社会组织", 2),
    ("community_development", "linkage", "推动多方联动", 3),
    ("volunteer_management", "teams", "建立志愿服务队伍", 1),
    ("volunteer_management", "support", "支持引导志愿服务", 2),
]


def ensure_items(item_model=None, domain_model=None) -> None:
    """Create or rename the standard items; the data migration and test worlds call it."""
    if item_model is None:
        from wushe.catalog.models import ServiceDomain as domain_model
        from wushe.catalog.models import ServiceItem as item_model
    domains = {d.code: d for d in domain_model.objects.all()}
    for domain, code, name, order in ITEMS:
        item_model.objects.update_or_create(
            code=f"{domain}.{code}",
            defaults={"domain": domains[domain], "name": name, "order": order, "region": None},
        )

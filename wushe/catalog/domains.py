"""The five domains of the Hunan DB standard 乡镇（街道）社工站服务指南 (DOMAIN.md, seed 001)."""

DOMAINS = [
    ("social_assistance", "社会救助社会工作服务", 1),
    ("elderly", "老年社会工作服务", 2),
    ("children", "儿童社会工作服务", 3),
    ("community_development", "社区发展社会工作服务", 4),
    ("volunteer_management", "志愿服务管理", 5),
]


def ensure_domains(model=None) -> None:
    """Create or rename the five domains; the data migration and test worlds both call it."""
    if model is None:
        from wushe.catalog.models import ServiceDomain as model
    for code, name, order in DOMAINS:
        model.objects.update_or_create(code=code, defaults={"name": name, "order": order})

from django.db import migrations

# The five domains of the Hunan DB standard 乡镇（街道）社工站服务指南 (DOMAIN.md, seed 001).
DOMAINS = [
    ("social_assistance", "社会救助社会工作服务", 1),
    ("elderly", "老年社会工作服务", 2),
    ("children", "儿童社会工作服务", 3),
    ("community_development", "社区发展社会工作服务", 4),
    ("volunteer_management", "志愿服务管理", 5),
]


def add_domains(apps, schema_editor):
    ServiceDomain = apps.get_model("catalog", "ServiceDomain")
    for code, name, order in DOMAINS:
        ServiceDomain.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(add_domains, migrations.RunPython.noop)]

from django.db import migrations

from wushe.catalog.domains import ensure_domains


def add_domains(apps, schema_editor):
    ensure_domains(apps.get_model("catalog", "ServiceDomain"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(add_domains, migrations.RunPython.noop)]

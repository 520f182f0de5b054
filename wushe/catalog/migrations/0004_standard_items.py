from django.db import migrations

from wushe.catalog.items import ensure_items


def add_items(apps, schema_editor):
    ensure_items(apps.get_model("catalog", "ServiceItem"), apps.get_model("catalog", "ServiceDomain"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_service_items")]
    operations = [migrations.RunPython(add_items, migrations.RunPython.noop)]

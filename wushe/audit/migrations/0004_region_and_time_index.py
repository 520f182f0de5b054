"""Audit events: four index writes a service write instead of seven (issue 5's writers).

The action's index and its pattern-ops twin go: nothing looks an action up but the list's
prefix filter, which reads within the time or the region. The region code's two give way to
one on (region code, time), which serves the scoped list in its order.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_fewer_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=64, verbose_name="操作"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="region_code",
            field=models.CharField(blank=True, max_length=12, verbose_name="区划代码"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["region_code", "at"], name="audit_region_at"),
        ),
    ]

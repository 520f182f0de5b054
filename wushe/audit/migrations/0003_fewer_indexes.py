"""Every service write adds an audit event: indexes nothing reads go, one write less each.

- actor_id: nothing looks events up by account (the column keeps ids of deleted accounts
  on purpose, without a constraint), so the foreign key's index has no reader.
- action: the lists filter by prefix (`action__startswith`), which PostgreSQL serves with
  the pattern-ops twin Django keeps beside it; the plain one served nothing, and SQLite's
  case-blind LIKE uses neither.
- region_code's pattern-ops twin (PostgreSQL): scopes are code ranges, never LIKE.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wushe.core.schema import drop_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_head_mac_and_kept_actor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
            ],
            database_operations=[
                drop_indexes(
                    "audit_auditevent_actor_id_270bb4b7",
                    "audit_auditevent_action_2131bb77",
                    "audit_auditevent_region_code_06016ffb_like",
                )
            ],
        ),
    ]

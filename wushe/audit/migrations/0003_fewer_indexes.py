"""Every service write adds an audit event: the actor's index goes, one index write less
each. Nothing looks events up by account (the column keeps the ids of deleted accounts on
purpose, without a constraint), so the foreign key's index had no reader.

The action's and the region code's indexes stay as Django declares them (db_index), each with
its pattern-ops twin on PostgreSQL: dropping only those twins would leave the migration state
promising indexes the database lacks, and a later table rebuild on SQLite would bring them
back.
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
                drop_indexes("audit_auditevent_actor_id_270bb4b7")
            ],
        ),
    ]

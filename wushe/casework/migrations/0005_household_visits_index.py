"""The household index holds only the visits to a whole household: a visit to a person (most
of them) no longer writes an entry for its empty household, nor does a 区划调整 recoding it.
The author's index goes: nothing looks visits up by author, and accounts are deactivated,
never deleted."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wushe.core.schema import drop_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0004_fewer_indexes"),
        ("people", "0005_fewer_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="visit",
                    name="household",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="visits",
                        to="people.household",
                        verbose_name="走访家庭",
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="created_by",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                drop_indexes(
                    "casework_visit_household_id_f87079af",
                    "casework_visit_created_by_id_e223592f",
                )
            ],
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                condition=models.Q(("household__isnull", False)),
                fields=["household"],
                name="casework_visit_household_idx",
            ),
        ),
    ]

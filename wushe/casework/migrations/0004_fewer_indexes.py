"""Indexes that a wider one already serves: fewer writes per record and per 区划调整."""

import django.db.models.deletion
from django.db import migrations, models

from wushe.core.schema import drop_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0003_referral_ended"),
        ("people", "0004_importbatch"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="visit",
                    name="person",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="visits",
                        to="people.person",
                        verbose_name="走访对象",
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="region",
                    field=models.ForeignKey(
                        db_column="region_code",
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                        verbose_name="所在村（社区）",
                    ),
                ),
            ],
            database_operations=[
                drop_indexes(
                    "casework_visit_person_id_60b17d22",
                    "casework_visit_region_code_024d61fa",
                    "casework_visit_region_code_024d61fa_like",
                )
            ],
        ),
    ]

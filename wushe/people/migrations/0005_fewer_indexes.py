"""Indexes that a wider one already serves: fewer writes per record and per 区划调整."""

import django.db.models.deletion
from django.db import migrations, models

from wushe.core.schema import drop_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_importbatch"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="phone_index",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="person",
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
                migrations.AlterField(
                    model_name="personsearchkey",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
            ],
            database_operations=[
                drop_indexes(
                    "people_person_phone_index_645eefb9",
                    "people_person_phone_index_645eefb9_like",
                    "people_person_region_code_cdacac9c",
                    "people_person_region_code_cdacac9c_like",
                    "people_personsearchkey_person_id_e22fbb4a",
                )
            ],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_index"], name="people_person_phone_idx"),
        ),
    ]

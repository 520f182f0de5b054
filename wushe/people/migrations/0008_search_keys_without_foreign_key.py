"""A search key's person without a foreign key in the database (docs/adr/0012)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_initials_prefix_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="personsearchkey",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="search_keys",
                to="people.person",
            ),
        ),
    ]

"""Search keys carry their person's name, and their index lists a key's people in the
registry's order (village, name, id): the first page of a common fragment no longer fetches
every match to sort it (docs/adr/0010)."""

import django.db.models.deletion
from django.db import migrations, models

FILL_NAMES = """
UPDATE people_personsearchkey
SET name = people_person.name, region_code = people_person.region_code
FROM people_person WHERE people_person.id = people_personsearchkey.person_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_fewer_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="personsearchkey", name="people_pers_key_f9909e_idx"),
        migrations.AddField(
            model_name="personsearchkey",
            name="name",
            field=models.CharField(default="", max_length=50),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL_NAMES, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="personsearchkey",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="search_keys",
                to="people.person",
            ),
        ),
        migrations.AddIndex(
            model_name="personsearchkey",
            index=models.Index(
                fields=["key", "region_code", "name", "person"], name="people_key_in_order"
            ),
        ),
    ]

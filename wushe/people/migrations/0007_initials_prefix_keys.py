"""Every prefix of a person's initials, of two letters or more, becomes a search key of its
own, so that initials are one exact key listed in the registry's order (docs/adr/0011).

The prefixes are cut from the initials keys already stored, one statement per length, so a
large registry is filled set-based; keys that exist already are left alone."""

from django.db import migrations

ADD_PREFIXES = """
INSERT INTO people_personsearchkey (person_id, region_code, name, key)
SELECT DISTINCT person_id, region_code, name, substr(key, 1, %s)
FROM people_personsearchkey
WHERE key LIKE 'i:%%' AND length(key) > %s
ON CONFLICT (person_id, key) DO NOTHING
"""


def add_prefixes(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(length(key)) FROM people_personsearchkey WHERE key LIKE %s", ["i:%"]
        )
        longest = cursor.fetchone()[0] or 0
        for length in range(len("i:") + 2, longest):  # "i:zs" up to one letter short
            cursor.execute(ADD_PREFIXES, [length, length])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_search_keys_in_list_order"),
    ]

    # Backwards the prefixes can stay: the earlier search matched initials by range, and a
    # prefix finds the same person its longer key does.
    operations = [migrations.RunPython(add_prefixes, migrations.RunPython.noop, elidable=False)]

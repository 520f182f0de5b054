"""The statements of our own for the hot paths (wushe/core/sql.py)."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction

from wushe.core.sql import _shaped, insert, insert_many
from wushe.people.models import Person

pytestmark = pytest.mark.django_db


def test_sqlite_batches_come_in_a_few_shapes_and_keep_their_order():
    """SQLite compiles and keeps a statement for each number of rows: however the rows
    fall, only full batches and powers of two, so a long import keeps a dozen at most."""
    shapes: set[int] = set()
    for n in (1, 7, 332, 333, 334, 1000, 6_001):
        batches = list(_shaped(range(n), 333))
        assert [row for batch in batches for row in batch] == list(range(n))
        shapes |= {len(batch) for batch in batches}
    assert shapes <= {333} | {2**k for k in range(9)}


def test_insert_many_writes_what_bulk_create_would(world):
    village = world.region("152201001001")
    people = insert_many([Person(name=f"测试{n}", region=village) for n in range(150)])
    assert all(p.pk for p in people) and [p.pk for p in people] == sorted(p.pk for p in people)
    stored = Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
    assert [p.name for p in stored] == [f"测试{n}" for n in range(150)]
    assert all(p.created_at is not None and p.legal_basis == "statutory" for p in stored)
    assert not people[0]._state.adding and people[0]._state.db == connection.alias


def test_many_rows_keep_every_character_and_date_and_the_sequence_moves_on(world):
    """On PostgreSQL 100 rows or more go by COPY, their keys drawn from the table's own
    sequence: tabs, newlines, backslashes, NULLs and dates come through as written, and the
    next row saved the usual way takes a key after theirs."""
    from datetime import date

    village = world.region("152201001001")
    odd = "乌\t力\\吉\n二组"
    people = insert_many(
        [Person(name=f"测试{n}", region=village, address=odd, birth_date=date(1950, 1, n % 28 + 1))
         for n in range(120)]
    )  # fmt: skip
    stored = Person.objects.filter(pk__in=[p.pk for p in people]).order_by("pk")
    assert {p.address for p in stored} == {odd} and {p.household_id for p in stored} == {None}
    assert [p.birth_date for p in stored] == [date(1950, 1, n % 28 + 1) for n in range(120)]
    later = Person.objects.create(name="后来", region=village)
    assert later.pk > max(p.pk for p in people)


@pytest.mark.parametrize("n", [3, 150])  # VALUES on either backend; COPY on PostgreSQL
def test_values_that_are_not_plain_strings_are_prepared_by_their_field(world, n):
    """A text column's string goes in as it is; anything else there (a lazy translation,
    a number, a village given as a code string for its key) is prepared by its field, as
    save() would."""
    from django.utils.translation import gettext_lazy

    village = world.region("152201001001")
    people = insert_many(
        [Person(name=gettext_lazy("户主"), ethnicity=17, region_id=village.code,
                address="一组") for _ in range(n)]
    )  # fmt: skip
    stored = Person.objects.filter(pk__in=[p.pk for p in people])
    assert {(p.name, p.ethnicity, p.region_id, p.address) for p in stored} == {
        ("户主", "17", village.code, "一组")
    }


def test_a_value_too_long_is_refused_not_cut_short(world):
    """Many rows go to PostgreSQL by COPY, or as arrays: cast to varchar(50)[], a longer
    name would be cut to fit without a word; the column itself must refuse it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce a text column's length")
    village = world.region("152201001001")
    people = [Person(name="测" * (51 if n == 120 else 5), region=village) for n in range(150)]
    with pytest.raises(DataError), transaction.atomic():
        insert_many(people)


def test_insert_writes_the_rows_linked_to_the_new_one(world):
    """A visit and its links in one statement on PostgreSQL, one after the other on SQLite;
    a link list left empty writes nothing."""
    from tests.test_casework import item
    from wushe.casework.models import Visit

    person = world.people["wuliji"]
    items = [item("elderly.home_visit"), item("elderly.daily_care")]
    visit = insert(
        Visit(person=person, region_id=person.region_id, visited_at=person.created_at,
              created_by=world.users["station_worker"]),
        linked=[(Visit.items.through, ["visit_id", "serviceitem_id"], [(i.pk,) for i in items]),
                (Visit.workers.through, ["visit_id", "worker_id"], [])],
    )  # fmt: skip
    stored = Visit.objects.get(pk=visit.pk)
    assert sorted(i.pk for i in stored.items.all()) == sorted(i.pk for i in items)
    assert not stored.workers.exists() and not visit._state.adding


def test_a_hot_statement_is_prepared_once_and_still_logged_and_its_errors_translated(world):
    """On PostgreSQL `prepared_cursor` names a statement on the connection the first time
    it runs, and later runs reuse it; Django still keeps each run's SQL with its values (a
    prepared run leaves psycopg no text to read back), and a broken constraint is Django's
    IntegrityError, as on any cursor. On SQLite it is the connection's own cursor."""
    from django.db import IntegrityError
    from django.test.utils import CaptureQueriesContext

    from wushe.core.sql import prepared_cursor

    statement = "SELECT %s + 1 AS wushe_prepared_probe"
    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            with prepared_cursor() as cursor:
                cursor.execute(statement, [n])
                assert cursor.fetchone() == (n + 1,)
    assert [q["sql"] for q in queries][-3:] == [
        f"SELECT {n} + 1 AS wushe_prepared_probe" for n in range(3)
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE statement LIKE %s AND NOT from_sql",
                ["%wushe_prepared_probe%"],
            )
            assert cursor.fetchone() == (1,)
    taken = world.region("152201001001").code
    with pytest.raises(IntegrityError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(
            "INSERT INTO regions_region SELECT * FROM regions_region WHERE code = %s",
            [taken],
        )

"""Finding people by what a worker remembers: 1–3 characters of the name, its pinyin or
initials (every reading of the surname's first character: 单 → dan/shan/chan), or the last
digits of an ID or phone number. Each is an indexed key lookup inside the user's code range.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from django.db.models import F, Q, QuerySet
from pypinyin import Style, lazy_pinyin, pinyin

from wushe.core.crypto import blind_index

MAX_FRAGMENT = 3
CJK = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffff·]+$")
LATIN = re.compile(r"^[a-z]+$")
# The last 4 or 6 characters of an ID number (its last may be X) or the last 4 of a phone.
DIGITS = re.compile(r"^(\d{4}|\d{6}|\d{3}[xX]|\d{5}[xX])$")


def _suffix_key(kind: str, value: str) -> str:
    return f"{kind}:" + blind_index(value.upper(), context=f"people.person.{kind}")[:32]


@functools.lru_cache(maxsize=8192)
def name_keys(name: str) -> frozenset[str]:
    """Chinese fragments (c:), full pinyin (p:) and initials (i:) of a name. Remembered for
    the names met last: a roster repeats its common names hundreds of times, and the
    pinyin is most of what a row costs to index."""
    name = name.strip()
    keys = {
        f"c:{name[i : i + n]}" for n in range(1, MAX_FRAGMENT + 1) for i in range(len(name) - n + 1)
    }
    if not name:
        return frozenset(keys)
    rest = lazy_pinyin(name[1:], errors="ignore")
    first_readings = pinyin(name[0], heteronym=True, style=Style.NORMAL, errors="ignore")
    for reading in (first_readings[0] if first_readings else []) or [""]:
        keys.add("p:" + reading + "".join(rest))
        initials = "".join(s[:1] for s in [reading, *rest] if s)
        # Every prefix of two letters or more is a key of its own: "zs" is then one exact
        # key, listed in the registry's order like a fragment (docs/adr/0011).
        keys.update(f"i:{initials[:n]}" for n in range(min(2, len(initials)), len(initials) + 1))
    return frozenset(k for k in keys if len(k) > 2)


@functools.cache
def _syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Every toneless syllable pypinyin can write a name with (ü as v, as in the keys), and
    every prefix of one."""
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    syllables = frozenset(
        convert(reading, Style.NORMAL, strict=True)
        for readings in pinyin_dict.values()
        for reading in readings.split(",")
    )
    return syllables, frozenset(s[:n] for s in syllables for n in range(1, len(s) + 1))


def could_be_pinyin(letters: str) -> bool:
    """Whether some name's full pinyin could start with `letters`: whole syllables, then the
    start of one ("zhangw" could, "zw" and "sqqg" could not: they are initials only)."""
    syllables, starts = _syllables()

    @functools.cache
    def from_(i: int) -> bool:
        if letters[i:] in starts:
            return True
        return any(letters[i:j] in syllables and from_(j) for j in range(i + 1, len(letters)))

    return from_(0)


def number_keys(id_number: str = "", phone: str = "") -> set[str]:
    """Keyed digests of the last 4 and 6 characters of the ID number and the last 4 of the phone."""
    keys = set()
    if id_number:
        keys |= {_suffix_key("id", id_number[-4:]), _suffix_key("id", id_number[-6:])}
    if phone:
        keys.add(_suffix_key("tel", phone[-4:]))
    return keys


def search(qs: QuerySet, query: str, *, user=None) -> QuerySet:
    """`qs` (already scoped) narrowed to the people whose keys match `query`. Given the
    user, the key lookup itself is confined to the user's code ranges, so it reads only
    the index entries inside the scope, however large the province is. A name fragment
    comes back in the registry's order (village, name, id) straight from the key index,
    through a join to the keys: call `.order_by()` on it before grouping or counting by
    group (`values(...).annotate(...)`), or the key's columns become part of each group. So
    do initials that no pinyin could start with ("zw"); other letters ("zh", "zhangw") match
    pinyin or initials and come unordered."""
    from wushe.people.models import PersonSearchKey

    query = query.strip()
    if not query:
        return qs
    lowered = query.lower().replace(" ", "")
    if CJK.match(query) and len(query) <= MAX_FRAGMENT:
        return _holding(qs, f"c:{query}", user)
    if CJK.match(query):  # a longer name: its first three characters, then check the rest
        return _holding(qs.filter(name__contains=query), f"c:{query[:MAX_FRAGMENT]}", user)
    if LATIN.match(lowered):
        if len(lowered) == 1:  # a single initial: a range of keys, as no one key holds it
            keys = PersonSearchKey.objects.filter(_prefix("p:" + lowered) | _prefix("i:" + lowered))
        elif not could_be_pinyin(lowered):
            return _holding(qs, f"i:{lowered}", user)
        else:  # "zh": the initials of 张华, and the start of zhang's pinyin
            keys = PersonSearchKey.objects.filter(_prefix("p:" + lowered) | Q(key=f"i:{lowered}"))
    elif DIGITS.match(query):
        keys = PersonSearchKey.objects.filter(
            key__in=[_suffix_key("id", query), _suffix_key("tel", query)]
        )
    else:
        return qs.none()
    if user is not None:
        keys = keys.filter(_in_scope(user, "region_code"))
    return qs.filter(pk__in=keys.values("person_id"))


def _holding(qs: QuerySet, key: str, user) -> QuerySet:
    """The people holding one key (a fragment, or initials), joined to it on person, village
    and name and ordered by the key's (village, name, person): the order of the index on
    (key, region, name, person), and the registry's own. The first page reads the index's
    first entries and fetches their people only, however many share the key (a common
    surname: hundreds in a county)."""
    q = Q(
        search_keys__key=key,
        search_keys__region_code=F("region_id"),
        search_keys__name=F("name"),
    )
    if user is not None:
        q &= _in_scope(user, "search_keys__region_code")
    ordered = ("search_keys__region_code", "search_keys__name", "search_keys__person_id")
    return qs.filter(q).order_by(*ordered)


def _in_scope(user, field: str) -> Q:
    from wushe.accounts.permissions import scope_filter

    return scope_filter(user, "people.person", "view", field=field)


def _prefix(prefix: str):
    """A range on the key index, not LIKE: the same B-tree plan on SQLite and PostgreSQL."""
    return Q(key__gte=prefix, key__lt=prefix + "\uffff")


def all_keys(name: str, id_number: str = "", phone: str = "") -> Iterable[str]:
    return name_keys(name) | number_keys(id_number, phone)

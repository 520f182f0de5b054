"""What one pass over a roster remembers of the rows it has read — the first row of each ID
number, of each household, of each household's head, the households written so far — kept in
a private temporary SQLite file instead of Python dicts. A dict costs some 150 bytes an
entry: at three million rows that alone is most of a gigabyte, while this stays within
SQLite's page cache (a few MB) whatever the file's size.

Everything happens in one transaction that is never committed: the file is thrown away with
the connection. A statement in a transaction of its own made SQLite walk its page cache at
every commit, so that each entry cost more the larger the cache (14 µs at 8 MB, against 3 µs
in one transaction); with the journal off, pages beyond the cache spill to the file as they
would at a commit.
"""

from __future__ import annotations

import sqlite3
from typing import Self

CACHE_KIB = 8 * 1024


class Ledger:
    def __init__(self) -> None:
        # "" is a temporary on-disk database, private to this connection and deleted with it.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{CACHE_KIB};
            CREATE TABLE entry (
                space TEXT NOT NULL, key TEXT NOT NULL, number INTEGER, text TEXT,
                PRIMARY KEY (space, key)
            ) WITHOUT ROWID;
            BEGIN;
            """
        )

    def first(self, space: str, key: str, number: int, text: str = "") -> tuple[int, str]:
        """(number, text) as first recorded for `key` in `space`, recording these if new:
        one statement for a key not seen before (most ID numbers), two for one that was."""
        written = self._db.execute(
            "INSERT INTO entry VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (space, key, number, text),
        )
        if written.rowcount == 1:
            return number, text
        return self.lookup(space, key)

    def lookup(self, space: str, key: str) -> tuple[int, str] | None:
        """(number, text) recorded for `key` in `space`, or None."""
        return self._db.execute(
            "SELECT number, text FROM entry WHERE space = ? AND key = ?", (space, key)
        ).fetchone()

    def get(self, space: str, key: str) -> int | None:
        found = self._db.execute(
            "SELECT number FROM entry WHERE space = ? AND key = ?", (space, key)
        ).fetchone()
        return None if found is None else found[0]

    def put(self, space: str, key: str, number: int) -> None:
        self._db.execute(
            "INSERT INTO entry VALUES (?, ?, ?, '') "
            "ON CONFLICT DO UPDATE SET number = excluded.number",
            (space, key, number),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

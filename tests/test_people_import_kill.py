"""A real `wushe people import` killed with SIGKILL in the middle of writing, then run again:
the database ends with exactly the people the file holds, each once, nothing half-written.

It runs the command as a separate process against a scratch database of its own (a SQLite
file, or a database on the PostgreSQL server the suite uses), since the kill must hit a
process that really holds an open write transaction.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.test_people_import import row
from wushe.people import exports

ROOT = Path(__file__).resolve().parent.parent
ROWS = 12000


def scratch_database(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUSHE_")}
    env |= {"DJANGO_SETTINGS_MODULE": "wushe.settings", "WUSHE_VAR_DIR": str(tmp_path)}
    url = os.environ.get("WUSHE_DATABASE_URL", "")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS wushe_killtest")
            conn.execute("CREATE DATABASE wushe_killtest")
        env["WUSHE_DATABASE_URL"] = url.rpartition("/")[0] + "/wushe_killtest"
    else:
        env["WUSHE_SQLITE_PATH"] = str(tmp_path / "kill.sqlite3")
    return env


def wushe(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, capture_output=True, text=True, check=True, timeout=600, **kwargs,
    )  # fmt: skip


def query(env: dict[str, str], sql: str) -> str:
    """One value, read by a process of its own (what a second server would see)."""
    code = f"from django.db import connection as c; k = c.cursor(); k.execute({sql!r}); print(k.fetchone()[0])"  # noqa: E501
    return wushe(env, "shell", "--no-imports", "-c", code).stdout.strip()


SETUP = """
from wushe.accounts import services
from wushe.regions.loader import load_regions
from wushe.regions.models import Region
load_regions(["15"])
user = services.user_create(by=None, username="zhaoxiaohong", name="赵小红", password="Kill-2026!x")
services.role_assign(by=None, user=user, role="station_worker",
                     region=Region.objects.get(code="152201001000"))
"""


def test_a_killed_import_leaves_nothing_and_a_rerun_imports_each_person_once(tmp_path):
    env = scratch_database(tmp_path)
    wushe(env, "migrate", "--no-input")
    wushe(env, "shell", "--no-imports", "-c", SETUP)
    roster = tmp_path / "花名册.csv"
    with roster.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([c.title for c in exports.COLUMNS])
        for i in range(ROWS):
            values = row(i, phone=f"137{i:08d}")
            writer.writerow([values.get(c.key, "") for c in exports.COLUMNS])
    command = [sys.executable, str(ROOT / "manage.py"), "people", "import", str(roster)]
    victim = subprocess.Popen(  # noqa: S603
        [*command, "--user", "zhaoxiaohong"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while query(env, "SELECT COUNT(*) FROM people_importbatch WHERE status = 'writing'") == "0":
        assert victim.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(0.5)  # into the writing: rows being sent, none committed yet
    assert victim.poll() is None, "the import finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    assert query(env, "SELECT COUNT(*) FROM people_person") == "0"
    assert query(env, "SELECT COUNT(*) FROM people_personsearchkey") == "0"
    assert query(env, "SELECT COUNT(*) FROM people_household") == "0"
    assert query(env, "SELECT status FROM people_importbatch") == "writing"

    done = wushe(env, "people", "import", str(roster), "--user", "zhaoxiaohong")
    assert f"已导入 {ROWS:,} 人" in done.stdout
    assert query(env, "SELECT COUNT(*) FROM people_person") == str(ROWS)
    assert query(env, "SELECT COUNT(DISTINCT id_number_index) FROM people_person") == str(ROWS)
    again = wushe(env, "people", "import", str(roster), "--user", "zhaoxiaohong")
    assert f"已登记无变化 {ROWS:,}" in again.stdout
    assert query(env, "SELECT COUNT(*) FROM people_person") == str(ROWS)

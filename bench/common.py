"""Shared plumbing for benchmarks: a throwaway database, timing, and result files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(*, reuse: bool = False) -> str:
    """Point Django at a fresh benchmark database and migrate it; returns the backend name.
    With `reuse`, keep the one an earlier run left (PostgreSQL's wushe_bench, or the SQLite
    file WUSHE_SQLITE_PATH names) to measure again without generating the data again.
    WUSHE_BENCH_DB names another PostgreSQL database, so two sizes can live side by side."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("WUSHE_DATABASE_URL", "")
    if url:
        import psycopg

        base, _, _db = url.rpartition("/")
        name = os.environ.get("WUSHE_BENCH_DB", "wushe_bench")
        if not name.replace("_", "").isalnum():
            raise SystemExit(f"WUSHE_BENCH_DB: not a plain database name: {name!r}")
        if not reuse:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                conn.execute(f"CREATE DATABASE {name}")
        os.environ["WUSHE_DATABASE_URL"] = f"{base}/{name}"
    elif reuse:
        if not os.environ.get("WUSHE_SQLITE_PATH"):
            raise SystemExit("--reuse on SQLite needs WUSHE_SQLITE_PATH (the earlier run's file)")
    else:
        path = Path(tempfile.mkdtemp(prefix="wushe-bench-")) / "bench.sqlite3"
        os.environ["WUSHE_SQLITE_PATH"] = str(path)
        print(f"benchmark database: {path}", file=sys.stderr)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wushe.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    # As in production: with DEBUG on (the development default) Django would keep and log
    # every statement, a cost per statement that no deployment pays.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def commit() -> str:
    """HEAD, marked when the code measured had changes not yet committed (results aside)."""
    try:
        head = subprocess.check_output(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            text=True,
        ).strip()
        changed = subprocess.check_output(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".",  # noqa: S607
             ":(exclude)bench/results"],
            cwd=ROOT, text=True,
        ).strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if changed else head


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_results(name: str, backend: str, size: str, rows: list[dict], notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {
        "benchmark": name, "backend": backend, "size": size, "commit": commit(),
        "machine": machine(), "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    stem = RESULTS / f"{name}-{backend}"
    stem.with_suffix(".json").write_text(
        json.dumps({**meta, "results": rows}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    headers = list(rows[0])
    lines = [
        f"# {name} ({backend})", "",
        f"Size: {size} · commit {meta['commit']} · {meta['machine']} · {meta['at']}", "",
        "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
        *("| " + " | ".join(str(r[h]) for h in headers) + " |" for r in rows),
    ]  # fmt: skip
    if notes:
        lines += ["", notes]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stem

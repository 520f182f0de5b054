"""The app over real HTTP for the statistics benchmarks: a gunicorn server on the benchmark
database (as deployed: DEBUG off), a client with a personal API token, and latency samples.

The server runs `bench/settings_bench.py`, which is the app's settings with the bench-only
URLconf (`bench/urls_bench.py`: the app's URLs plus the hand-written anchors)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# As deployed (DEBUG off: no SQL kept for the debug page), with bench keys; the bench process
# sets the same, so tokens it creates are the server's tokens.
PRODUCTION = {
    "WUSHE_DEBUG": "0", "WUSHE_SECRET_KEY": "bench-secret-key-not-for-use",
    "WUSHE_AUDIT_KEY": "bench-audit-key", "WUSHE_FIELD_KEYS": "bench:" + "QmVuY2hGaWVsZEtleTE2Qg==",
    "WUSHE_BLIND_INDEX_KEY": "bench-blind-index-key",
    "WUSHE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "WUSHE_SSL_REDIRECT": "0",
}  # fmt: skip


def as_deployed() -> None:
    """Call before `setup_django`: this process's settings match the server's."""
    os.environ.update(PRODUCTION)
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))


def prepare(size_name: str, reuse: bool, *, check: bool = False):
    """Settings as deployed, the benchmark database, and the data of `size_name` (generated
    unless `reuse`): returns (backend, size)."""
    from common import setup_django

    as_deployed()
    backend = setup_django(reuse=reuse)
    import stats_data

    size = stats_data.SIZES[size_name]
    if not reuse:
        stats_data.generate(size, check=check)
    return backend, size


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[str]:
    """A gunicorn server (sync workers) on the benchmark database; yields its base URL."""
    port = _free_port()
    env = os.environ | PRODUCTION | {
        "DJANGO_SETTINGS_MODULE": "settings_bench",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
    }  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
               str(workers), "--log-level", "warning", "--timeout", "300",
               "wushe.wsgi:application"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own app)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _body = Client(base, "").get("/api/v1/openapi.json")
                if status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


class Client:
    """One request per connection (gunicorn's sync workers close each one), token auth."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        try:
            headers = dict(self.headers)
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def json(self, path: str) -> dict:
        status, body = self.get(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)


def timed_ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def ok(client: Client, path: str) -> Callable[[], None]:
    def fetch() -> None:
        status, body = client.get(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:300]!r}")

    return fetch


def sample(cases: dict[str, Callable[[], object]], n: int, warmup: int = 3) -> dict[str, list]:
    """Each case `n` times, round-robin (so drift of the machine hits all cases alike)."""
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(n):
        for name, fn in cases.items():
            samples[name].append(timed_ms(fn))
    return samples


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]

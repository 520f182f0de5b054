"""`wushe dev` runs the web server and the worker together, and Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_dev_serves_pages_and_stops_both_processes(tmp_path, stop):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUSHE_")}
    env["WUSHE_SQLITE_PATH"] = str(tmp_path / "dev.sqlite3")
    cli = [sys.executable, "-m", "wushe.cli"]
    subprocess.run([*cli, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [*cli, "dev", f"127.0.0.1:{port}"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:  # noqa: S310
                    assert "登录" in r.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the web server did not come up"
                time.sleep(0.3)
        if stop == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        else:
            proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "已停止网页服务与后台任务进程" in output
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)  # noqa: S310

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "开发运行：同时启动网页服务和后台任务进程，Ctrl-C 一并停止。"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        # A terminal's Ctrl-C reaches the children too; a SIGTERM (systemd, timeout, kill)
        # reaches only us, so turn it into the same orderly stop.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        wushe = [sys.executable, "-m", "wushe.cli"]
        children = [
            subprocess.Popen([*wushe, "runserver", addrport, "--noreload"]),  # noqa: S603
            subprocess.Popen([*wushe, "worker"]),  # noqa: S603
        ]
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("已停止网页服务与后台任务进程。")

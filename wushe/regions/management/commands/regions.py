import time

from django.core.management.base import BaseCommand, CommandError

from wushe.regions.loader import load_regions
from wushe.regions.models import Region


class Command(BaseCommand):
    help = "行政区划：load 载入国家统计局 2023 年统计用区划代码（可重复运行）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("load", help="载入全部或指定省份的区划（到村级）")
        load.add_argument(
            "--province", action="append", default=[], metavar="CODE",
            help="只载入此省份（2 位代码，如 15 内蒙古），可多次给出",
        )  # fmt: skip

    def handle(self, *args, subcommand: str, province: list[str], **options):
        for code in province:
            if len(code) != 2 or not code.isdigit():
                raise CommandError(f"省份代码应为 2 位数字，例如 15（内蒙古）；收到“{code}”。")
        started = time.monotonic()

        def progress(read: int) -> None:
            self.stdout.write(f"\r  已读取 {read:,} 条…", ending="")
            self.stdout.flush()

        result = load_regions(province or None, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"区划载入完成：读取 {result.read:,} 条，新增或更新 {result.written:,} 条，"
                f"库中共 {Region.objects.count():,} 条，用时 {elapsed:.1f} 秒。"
            )
        )

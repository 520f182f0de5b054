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
        move = sub.add_parser("move", help="区划调整：乡镇（街道）改属另一县，或村改属另一乡镇")
        move.add_argument("code", help="要调整的乡镇或村的 12 位代码")
        move.add_argument("--to", required=True, metavar="PARENT", help="新上级的 12 位代码")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "move":
            return self._move(options["code"], options["to"])
        province: list[str] = options["province"]
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

    def _move(self, code: str, parent_code: str) -> None:
        from django.core.exceptions import ValidationError

        from wushe.regions.services import region_move

        region = Region.objects.filter(code=code).first()
        parent = Region.objects.filter(code=parent_code).first()
        if region is None or parent is None:
            raise CommandError(f"区划代码不存在：{code if region is None else parent_code}")
        started = time.monotonic()
        try:
            moved = region_move(by=None, region=region, new_parent=parent)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{region.name}：{code} → {moved.code}（现属{parent.full_name}），"
                f"用时 {time.monotonic() - started:.2f} 秒。"
            )
        )

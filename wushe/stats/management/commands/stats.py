import time

from django.core.management.base import BaseCommand, CommandError

from wushe.regions.models import Region


class Command(BaseCommand):
    help = "统计：verify 从原始记录重算并列出每一处差异；rebuild 以重算结果替换；compact 折叠增量。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, text in [
            ("verify", "从原始记录重算，与仪表盘读到的数字逐月逐区划比较（应无差异）"),
            ("rebuild", "从原始记录重建统计（全部或某区划及其下级）"),
        ]:
            command = sub.add_parser(name, help=text)
            command.add_argument("--region", metavar="CODE", help="只处理此区划及其下级")
        sub.add_parser("compact", help="把已写入的增量折叠进月度汇总")

    def handle(self, *args, subcommand: str, **options):
        from wushe.stats.compact import compact
        from wushe.stats.verify import stats_rebuild, stats_verify

        started = time.monotonic()
        if subcommand == "compact":
            self.stdout.write(self.style.SUCCESS(f"已折叠 {compact():,} 条增量。"))
            return
        region = None
        if options.get("region"):
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划代码不存在：{options['region']}")
        where = region.full_name if region else "全部区划"
        if subcommand == "rebuild":
            cells = stats_rebuild(region)
            seconds = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(f"{where}：已重建 {cells:,} 个统计格，用时 {seconds:.1f} 秒。")
            )
            return
        differences = stats_verify(region)
        for difference in differences[:200]:
            self.stdout.write(str(difference))
        if differences:
            more = "（只列出前 200 处）" if len(differences) > 200 else ""
            raise CommandError(
                f"{where}：统计与原始记录有 {len(differences):,} 处不符{more}；"
                "可运行 wushe stats rebuild 修复。"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{where}：统计与原始记录一致，用时 {time.monotonic() - started:.1f} 秒。"
            )
        )

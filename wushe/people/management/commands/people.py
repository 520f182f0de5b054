import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from wushe.accounts.models import User
from wushe.people import imports
from wushe.people.models import ImportBatch


class Command(BaseCommand):
    help = "服务对象：import 从服务器上的文件导入花名册（任意大小，逐块读取）。"
    # A data command: Django's system checks (every URLconf imported) belong to deploys
    # and `wushe check`, not to each import, where they cost most of a second.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser(
            "import", help="检查并导入一个花名册文件（.xlsx/.xls/.csv），与网页导入的规则相同"
        )
        load.add_argument("path", help="文件路径")
        load.add_argument("--user", required=True, help="以此账号的身份与权限导入（记入审计）")
        load.add_argument("--check-only", action="store_true", help="只检查，不写入")

    def handle(self, *args, subcommand: str, path: str, user: str, check_only: bool, **options):
        by = User.objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"没有名为“{user}”的有效账号。")
        started = time.monotonic()
        try:
            batch = imports.import_from_path(by=by, path=path)
            self.stdout.write(f"批次 #{batch.pk}：{batch.file_name}，约 {batch.rows_total:,} 行。")
            batch = imports.import_check(by=by, batch=batch, notify=self._progress("已检查", batch))
            self.stdout.write("")
            if batch.status == ImportBatch.Status.INVALID:
                raise CommandError(batch.message)
            self._counts(batch, "检查完成")
            for problem in imports.import_problems(by=by, batch=batch)[:20]:
                self.stdout.write(
                    f"  第 {problem['row']} 行 {problem['column']}：{problem['message']}"
                )
            if check_only or not batch.rows_new:
                return
            batch = imports.import_commit(
                by=by, batch=batch, notify=self._progress("导入中，已处理", batch)
            )
            self.stdout.write("")
        except PermissionDenied as exc:
            raise CommandError(f"账号“{user}”无权建档。") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已导入 {batch.rows_created:,} 人（批次 #{batch.pk}），用时 {elapsed:.1f} 秒；"
                f"可在网页“导入花名册”中查看或撤销。"
            )
        )

    def _progress(self, verb: str, batch: ImportBatch):
        """A line that counts up as the chunks go by (one chunk is 500 rows)."""
        total = batch.rows_total

        def show(done: int) -> None:
            self.stdout.write(f"\r  {verb} {done:,} / 约 {max(total, done):,} 行…", ending="")
            self.stdout.flush()

        return show

    def _counts(self, batch: ImportBatch, title: str) -> None:
        self.stdout.write(
            f"{title}：共 {batch.rows_total:,} 行，可新建 {batch.rows_new:,}，"
            f"已登记无变化 {batch.rows_unchanged:,}，已存在未更新 {batch.rows_conflict:,}，"
            f"有错误 {batch.rows_failed:,}。"
        )

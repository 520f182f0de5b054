from django.core.management.base import BaseCommand, CommandError

from wushe.audit.models import AuditEvent
from wushe.audit.services import audit_verify


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链，发现被改动、删除或插入的事件。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="逐条校验全部审计事件的 HMAC-SM3 哈希链")

    def handle(self, *args, subcommand: str, **options):
        total = AuditEvent.objects.count()
        problems = list(audit_verify())
        for problem in problems:
            self.stderr.write(self.style.ERROR(str(problem)))
        if problems:
            raise CommandError(
                f"审计日志校验失败：共 {total:,} 条事件，发现 {len(problems)} 处问题。"
            )
        self.stdout.write(
            self.style.SUCCESS(f"审计日志校验通过：共 {total:,} 条事件，哈希链完整。")
        )

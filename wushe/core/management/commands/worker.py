from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行后台任务进程（导入、导出、报表等长任务）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完已排队的任务后退出")

    def handle(self, *args, batch: bool, **options):
        self.stdout.write("后台任务进程已启动，按 Ctrl-C 停止。")
        call_command("db_worker", batch=batch, reload=False, queue_name="*")

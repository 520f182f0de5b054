import unicodedata

from django.core.management.base import BaseCommand

from wushe.core.demo import DemoResult, build_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded by display width, so Chinese and ASCII cells line up in a terminal."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


class Command(BaseCommand):
    help = "生成兴安盟演示网络和每个角色一个登录账号（确定性，可重复运行）。"

    def handle(self, *args, **options):
        result = build_demo(stdout=self.stdout)
        self.stdout.write("")
        for line in self._coverage(result):
            self.stdout.write(line)
        self.stdout.write("")
        rows = [[r.role_label, r.username, r.name, r.region] for r in result.logins]
        for line in _table(["角色", "用户名", "姓名", "管辖区划"], rows):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"所有账号的密码：{result.password}")
        if result.sample_roster:
            self.stdout.write(
                f"花名册导入示例（含几处常见错误）：{result.sample_roster}\n"
                "  以 station_worker 登录 → 服务对象 → 导入，上传此文件即可看到逐行检查结果。"
            )
        self.stdout.write(
            "日常工作：station_worker 的“待办”有到期跟进和久未走访的人，个案在各个阶段；\n"
            "  supervisor 有一个待审批的结案；center_manager 有一个待接收的转介；\n"
            "  用手机（或浏览器的手机模式）打开服务对象页 →“入户走访”，断网保存，联网后自动上传。"
        )
        self.stdout.write(self.style.SUCCESS("打开 http://127.0.0.1:8000/ 登录"))
        self.stdout.write(f"（用时 {result.seconds:.1f} 秒）")

    def _coverage(self, result: DemoResult) -> list[str]:
        rows = []
        for row in [*result.counties, result.league]:
            if row is None:
                continue
            c = row.coverage
            rows.append([
                row.name, str(c.centers), str(c.stations), str(c.rooms),
                f"{c.covered_townships}/{c.townships}", _percent(c.station_rate),
                f"{c.covered_villages}/{c.villages}", _percent(c.room_rate),
                str(row.workers), _percent(c.rate(row.certified, row.workers)),
            ])  # fmt: skip
        header = [
            "区划", "中心", "社工站", "社工室", "乡镇覆盖", "站覆盖率", "村覆盖", "室覆盖率",
            "工作人员", "持证率",
        ]  # fmt: skip
        return ["运行中的平台与覆盖率：", *_table(header, rows)]

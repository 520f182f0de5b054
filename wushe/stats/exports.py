"""A dashboard's table as .xlsx: the same rows and numbers as the page, its text never a
formula, and the download an audit event."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.people.exports import keep_as_text
from wushe.regions.models import Region
from wushe.stats import dashboard, tables
from wushe.stats.query import Period
from wushe.stats.tables import Table

HEADER_ROW = 4  # title, region and period, a blank line, then the headers


def workbook(table: Table, region: Region, period: Period) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    ws.append([f"{region.full_name} {table.title}"])
    ws.append(
        [_("统计期间：%(p)s") % {"p": period.label}, _("区划代码：%(c)s") % {"c": region.code}]
    )
    ws.append([])
    ws.append(table.headers)
    for row in [*table.rows, *([table.total] if table.total else [])]:
        ws.append([row.label, *row.values])
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if table.total:
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for line in ws.iter_rows(min_row=HEADER_ROW):
        for cell in line:
            keep_as_text(cell)
            if cell.row > HEADER_ROW and isinstance(cell.value, int):
                cell.number_format = "#,##0"
            elif cell.row > HEADER_ROW and isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    for index in range(1, len(table.headers) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 22 if index == 1 else 16
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def stats_export(*, by: User, region: Region, period: Period, table: str) -> tuple[bytes, str]:
    """The dashboard table `table` (breakdown / trend) of the region for the period, as .xlsx,
    and its file name."""
    if not permissions.can(by, "stats.dashboard", "view", region.code):
        raise PermissionDenied
    board = dashboard.build(by, region, period)
    chosen = tables.tables(board)[table]  # KeyError for an unknown table: the view's 404
    content = workbook(chosen, region, period)
    with transaction.atomic():
        audit_record(
            actor=by, action="stats.export", obj=region, region_code=region.code,
            object_repr=f"{region.name} {chosen.title} {period.label}"[:200],
            changes={"table": table, "period": period.key, "rows": len(chosen.rows)},
        )  # fmt: skip
    return content, f"{region.name}_{chosen.title}_{period.key}.xlsx"

"""Fixed-template statistical reports (统计报表): the forms civil affairs files upward, as
.xlsx in the shape government reporting uses.

A template is data in `report_templates/*.json`: its 表号, 制定机关, 有效期至, title and the
column groups of its multi-row header, each column naming an indicator of the catalogue. The
figures come only from `indicators.evaluate` / `by_child`, so a report always equals the
dashboard. The 合计 row is the region's own figure (what the dashboard shows); where records
sit at the region itself rather than under a child (a township station's groups and
activities), a 本级 row carries them, so the rows of additive indicators add up to 合计.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from wushe.accounts import permissions
from wushe.audit.services import audit_record
from wushe.people.exports import append_safe
from wushe.regions.models import Level
from wushe.stats import indicators as catalogue
from wushe.stats.indicators import DISTINCT, FLOW, LIVE, STOCK, Indicator
from wushe.stats.query import Period

TEMPLATE_DIR = Path(__file__).parent / "report_templates"
# A fixed form is a Chinese government form: its template text is Chinese, so are its labels.
REPORT_LANGUAGE = "zh-hans"
PERIOD_KINDS = {"month": gettext_lazy("月报"), "quarter": gettext_lazy("季报"),
                "year": gettext_lazy("年报")}  # fmt: skip
REQUIRED = ("code", "title", "form_number", "authority", "valid_until", "periods", "columns")
OPTIONAL = ("approval", "unit", "description", "notes", "region_header")
NOT_AVAILABLE = "—"  # the indicator cannot be read for this period
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class TemplateError(ValueError):
    """A report template in the repository is malformed; the message names file and field."""


class ReportError(ValueError):
    """A report cannot be produced for what was asked (a village, a period the form lacks)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Column:
    indicator: Indicator
    header: str
    unit: str
    group: str = ""  # "" for a column whose header spans every header row

    @property
    def label(self) -> str:
        return f"{self.header}（{self.unit}）" if self.unit else self.header

    @property
    def number_format(self) -> str:
        if self.indicator.is_rate:
            return "0.0"
        if self.indicator.scale != 1 or _zh(self.indicator.unit) == "元":
            return "#,##0.00"
        return "#,##0"

    @property
    def additive(self) -> bool:
        """Whether child regions' values add up to the region's: not for rates, nor for
        counts of distinct people (a worker posted at two stations is one worker)."""
        i = self.indicator
        if i.is_rate or i.reading == DISTINCT:
            return False
        return i.reading in (FLOW, STOCK) or (i.reading == LIVE and _zh(i.unit) == "个")


@dataclass(frozen=True)
class ReportTemplate:
    code: str
    title: str
    form_number: str  # 表号
    authority: str  # 制定机关
    valid_until: date  # 有效期至 (a month)
    periods: tuple[str, ...]
    columns: tuple[Column, ...]
    approval: str = ""  # 批准文号
    unit: str = ""  # 计量单位
    description: str = ""
    notes: tuple[str, ...] = ()
    region_header: str = "地区"

    @property
    def indicators(self) -> list[Indicator]:
        return [c.indicator for c in self.columns]

    @property
    def has_groups(self) -> bool:
        return any(c.group for c in self.columns)

    def spans(self) -> list[tuple[str, int, int]]:
        """(group, first, last) column index (0-based) of each run of grouped columns."""
        runs: list[tuple[str, int, int]] = []
        for index, column in enumerate(self.columns):
            if column.group and runs and runs[-1][0] == column.group and runs[-1][2] == index - 1:
                runs[-1] = (column.group, runs[-1][1], index)
            elif column.group:
                runs.append((column.group, index, index))
        return runs

    @property
    def kinds_label(self) -> str:
        return "、".join(str(PERIOD_KINDS[k]) for k in self.periods)

    def default_period(self, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        if "month" in self.periods:
            return Period.month(today.year, today.month)
        if "quarter" in self.periods:
            return Period.parse(f"{today.year}Q{(today.month + 2) // 3}")
        return Period.year(today.year)

    def period_from(self, text: str | None) -> Period:
        """The period `text` names (the default when blank), if this form is filed for it."""
        if not (text or "").strip():
            return self.default_period()
        sentinel = date(1, 1, 1)  # Period.parse falls back to "today" on what it cannot read
        period = Period.parse(text, today=sentinel)
        if period.first == sentinel:
            raise ReportError("period", _("报告期“%(p)s”无法识别：月份如 2026-11，季度如 "
                                          "2026Q3，年度如 2026。") % {"p": text})  # fmt: skip
        if period_kind(period) not in self.periods:
            raise ReportError("period", _("%(form)s是%(kinds)s，不能按“%(p)s”填报。") % {
                "form": self.form_number, "kinds": self.kinds_label, "p": text})  # fmt: skip
        return period


def period_kind(period: Period) -> str | None:
    if period.months == 1:
        return "month"
    if period.grain == "year":
        return "year"
    if period.months == 3 and period.first.month % 3 == 1:
        return "quarter"
    return None


def _zh(text) -> str:
    with translation.override(REPORT_LANGUAGE):
        return str(text)


# --- loading ------------------------------------------------------------------------------


def _fail(path: Path, where: str, message: str) -> TemplateError:
    return TemplateError(f"{path.name}: {where}: {message}" if where else f"{path.name}: {message}")


def _text(path: Path, data: dict, key: str, where: str = "", *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, where + key, "must be a non-empty string")
    return value.strip()


def _column(path: Path, entry, where: str, group: str, known: dict) -> Column:
    if not isinstance(entry, dict):
        raise _fail(path, where, "must be an object with an indicator")
    extra = set(entry) - {"indicator", "header", "unit"}
    if extra:
        raise _fail(path, where, f"unknown keys {sorted(extra)}")
    code = _text(path, entry, "indicator", where + ".")
    if code not in known:
        close = difflib.get_close_matches(code, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise _fail(path, where + ".indicator", f"unknown indicator {code!r}{hint}")
    indicator = known[code]
    header = _text(path, entry, "header", where + ".") if "header" in entry else _zh(indicator.name)
    unit = entry.get("unit", _zh(indicator.unit))
    if not isinstance(unit, str):
        raise _fail(path, where + ".unit", 'must be a string ("" for none)')
    return Column(indicator, header, unit, group)


def _columns(path: Path, entries) -> tuple[Column, ...]:
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "columns", "must be a non-empty list")
    known = catalogue.by_code()
    columns: list[Column] = []
    for n, entry in enumerate(entries):
        where = f"columns[{n}]"
        if isinstance(entry, dict) and "group" in entry:
            extra = set(entry) - {"group", "columns"}
            if extra:
                raise _fail(path, where, f"unknown keys {sorted(extra)}")
            group = _text(path, entry, "group", where + ".")
            inner = entry.get("columns")
            if not isinstance(inner, list) or not inner:
                raise _fail(path, where + ".columns", "a group needs a non-empty list of columns")
            columns += [
                _column(path, e, f"{where}.columns[{m}]", group, known) for m, e in enumerate(inner)
            ]
        else:
            columns.append(_column(path, entry, where, "", known))
    if len(columns) < 2:
        raise _fail(path, "columns", "a report needs at least two indicator columns")
    seen: set[str] = set()
    for column in columns:
        if column.indicator.code in seen:
            raise _fail(path, "columns", f"indicator {column.indicator.code!r} appears twice")
        seen.add(column.indicator.code)
    return tuple(columns)


def load_template(path: Path) -> ReportTemplate:
    """One template file, checked against the catalogue; a TemplateError says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _fail(path, "", f"not valid JSON (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise _fail(path, "", "must hold one JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise _fail(path, "", f"missing {', '.join(missing)}")
    extra = set(data) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        raise _fail(path, "", f"unknown keys {sorted(extra)}")
    code = _text(path, data, "code")
    if code != path.stem or not re.fullmatch(r"[a-z0-9_]+", code):
        raise _fail(path, "code", f"{code!r} must equal the file name and use only a-z 0-9 _")
    form_number = _text(path, data, "form_number")
    if SHEET_NAME_FORBIDDEN.search(form_number) or len(form_number) > 31:
        raise _fail(path, "form_number", "names the sheet: at most 31 characters, none of []:*?/\\")
    valid = _text(path, data, "valid_until")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", valid):
        raise _fail(path, "valid_until", f"{valid!r} must be a month, YYYY-MM")
    periods = data["periods"]
    if not isinstance(periods, list) or not periods or set(periods) - set(PERIOD_KINDS):
        raise _fail(path, "periods", f"must list some of {', '.join(PERIOD_KINDS)}")
    columns = _columns(path, data["columns"])
    if "quarter" in periods:
        for column in columns:
            if column.indicator.reading == DISTINCT:
                raise _fail(path, "periods", f"{column.indicator.code!r} counts distinct people "
                            "or households, which a quarter cannot be read for")  # fmt: skip
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise _fail(path, "notes", "must be a list of strings")
    return ReportTemplate(
        code=code, title=_text(path, data, "title"), form_number=form_number,
        authority=_text(path, data, "authority"),
        valid_until=date.fromisoformat(valid + "-01"), periods=tuple(periods), columns=columns,
        approval=_text(path, data, "approval", required=False),
        unit=_text(path, data, "unit", required=False),
        description=_text(path, data, "description", required=False), notes=tuple(notes),
        region_header=_text(path, data, "region_header", required=False) or "地区",
    )  # fmt: skip


def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, ReportTemplate]:
    """Every template in `directory`, by code, in file-name order."""
    return {t.code: t for t in (load_template(p) for p in sorted(directory.glob("*.json")))}


@cache
def templates() -> dict[str, ReportTemplate]:
    """The templates shipped in the repository (read once per process)."""
    return load_templates()


def get_template(code: str) -> ReportTemplate | None:
    return templates().get(code)


# --- figures ------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    code: str
    values: dict[str, Decimal | int | None | str]  # "" where the row has no such figure
    total: bool = False


def report_rows(template: ReportTemplate, region, period: Period) -> list[Row]:
    """合计 (the region's own figures, as on the dashboard), 本级 when records sit at the
    region itself, then one row per child region in code order."""
    chosen = template.indicators
    children, total = catalogue.by_child_and_total(chosen, region, period)
    rows = [Row(_("合计"), region.code, total, total=True)]
    remainder: dict[str, Decimal | int | None | str] = {}
    for column in template.columns:
        code = column.indicator.code
        parts = [values[code] for _child, values in children]
        if not column.additive or total[code] is None or None in parts:
            remainder[code] = ""
        else:
            remainder[code] = total[code] - sum(parts)  # type: ignore[operator]
    if any(v not in ("", 0) for v in remainder.values()):
        rows.append(Row(_("%(name)s本级") % {"name": region.name}, region.code, remainder))
    rows += [Row(child.name, child.code, values) for child, values in children]
    return rows


def reporting_unit(user, region) -> str:
    """填报单位: the user's platform at the region when they work at one, else the region."""
    from wushe.network.models import Posting

    posting = (
        Posting.objects.current().filter(worker__user=user, platform__region=region)
        .select_related("platform").order_by("platform__tier", "platform_id").first()
    )  # fmt: skip
    return posting.platform.name if posting else region.full_name


def check_region(region) -> None:
    if region.level >= Level.VILLAGE:
        raise ReportError("code", _("村（社区）没有下级区划，请选择乡镇（街道）及以上的区划。"))


# --- the workbook -------------------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _month_label(day: date) -> str:
    return _("%(y)d年%(m)d月") % {"y": day.year, "m": day.month}


def _day_label(day: date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


class _Form:
    """The sheet being written, row by row, its text cells kept as text (never formulas)."""

    def __init__(self, template: ReportTemplate):
        self.template = template
        self.n = 2 + len(template.columns)  # 地区, 代码, then one column per indicator
        self.right = max(3, self.n - 2)  # where the 表号 block starts (1-based column)
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = template.form_number
        self.wb.properties.title = template.title
        self.wb.properties.creator = _("五社联动服务平台")

    def line(self, cells: dict[int, object]) -> int:
        append_safe(self.ws, [cells.get(c) for c in range(1, self.n + 1)])
        return self.ws.max_row

    def merge(self, row: int, first: int, last: int, last_row: int | None = None) -> None:
        if last > first or (last_row or row) > row:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=last_row or row,
                                end_column=last)  # fmt: skip

    def heading(self, unit_name: str, period: Period) -> None:
        """The title, 填报单位 / 报告期 / 计量单位 on the left, the 表号 block top right."""
        t, ws = self.template, self.ws
        title = self.line({1: t.title})
        self.merge(title, 1, self.n)
        ws.cell(title, 1).font = Font(bold=True, size=16)
        ws.cell(title, 1).alignment = CENTER
        ws.row_dimensions[title].height = 36
        block = [_("表　　号：") + t.form_number, _("制定机关：") + t.authority]
        if t.approval:
            block.append(_("批准文号：") + t.approval)
        block.append(_("有效期至：") + _month_label(t.valid_until))
        left = [_("填报单位：") + unit_name, _("报告期：") + period.label]
        if t.unit:
            left.append(_("计量单位：") + t.unit)
        for k in range(max(len(block), len(left))):
            cells = {1: left[k] if k < len(left) else None}
            cells[self.right] = block[k] if k < len(block) else None
            row = self.line(cells)
            self.merge(row, 1, self.right - 1)
            self.merge(row, self.right, self.n)

    def header(self) -> int:
        """The group row and the column row (one row when nothing is grouped), then the
        column numbers 甲 乙 1 2 …; returns the first header row."""
        t, ws = self.template, self.ws
        depth = 2 if t.has_groups else 1
        top = ws.max_row + 1
        heads: list[dict[int, object]] = [{1: t.region_header, 2: _("代码")}, {}]
        for index, column in enumerate(t.columns, start=3):
            heads[1 if column.group else 0][index] = column.label
        for group, first, _last in t.spans():
            heads[0][first + 3] = group
        for k in range(depth):
            self.line(heads[k])
        for index in [1, 2, *(i for i, c in enumerate(t.columns, start=3) if not c.group)]:
            self.merge(top, index, index, top + depth - 1)
        for _group, first, last in t.spans():
            self.merge(top, first + 3, last + 3)
        numbers = self.line({1: _("甲"), 2: _("乙"), **{c: c - 2 for c in range(3, self.n + 1)}})
        for r in range(top, numbers + 1):
            ws.row_dimensions[r].height = 30 if r < numbers else 16
            for c in range(1, self.n + 1):
                cell = ws.cell(r, c)
                cell.border, cell.alignment, cell.font = BOX, CENTER, Font(bold=r < numbers)
        return top

    def body(self, rows: list[Row]) -> bool:
        """The figures, bordered and formatted by unit; True when one is not available."""
        columns, ws = self.template.columns, self.ws
        missing = False
        for report_row in rows:
            values = {}
            for index, column in enumerate(columns, start=3):
                value = report_row.values[column.indicator.code]
                missing = missing or value is None
                values[index] = NOT_AVAILABLE if value is None else (None if value == "" else value)
            r = self.line({1: report_row.label, 2: report_row.code, **values})
            for c in range(1, self.n + 1):
                cell = ws.cell(r, c)
                cell.border, cell.font = BOX, Font(bold=report_row.total)
                if c == 1:
                    cell.alignment = Alignment(horizontal="center" if report_row.total else "left")
                elif c == 2 or cell.value == NOT_AVAILABLE:
                    cell.alignment = Alignment(horizontal="center")
                else:
                    cell.number_format = columns[c - 3].number_format
        return missing

    def footer(self, notes: list[str], by) -> None:
        """说明, then the signatures: 单位负责人, 填报人, 联系电话, 填报日期."""
        n, ws = self.n, self.ws
        self.line({})
        for k, note in enumerate(notes, start=1):
            row = self.line({1: (_("说明：") if k == 1 else "") + f"{k}. {note}"})
            self.merge(row, 1, n)
            ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 18 * max(1, -(-_width(note) // (8 * n)))
        self.line({})
        signed = [_("单位负责人："), _("填报人：") + str(by), _("联系电话："),
                  _("填报日期：") + _day_label(timezone.localdate())]  # fmt: skip
        slots = sorted({1 + k * (self.right - 1) // 3 for k in range(3)}) + [self.right]
        if len(slots) == len(signed):  # one line, spread under the table as on a paper form
            row = self.line(dict(zip(slots, signed, strict=True)))
            for first, last in zip(slots, [*slots[1:], n + 1], strict=True):
                self.merge(row, first, last - 1)
        else:  # too narrow for one line
            for text in signed:
                self.merge(self.line({1: text}), 1, n)

    def finish(self, top: int, rows: list[Row]) -> bytes:
        """Column widths, the header frozen in view and repeated on every printed page."""
        ws, n = self.ws, self.n
        ws.column_dimensions["A"].width = max(14, *(_width(r.label) + 2 for r in rows))
        ws.column_dimensions["B"].width = 14
        for index, column in enumerate(self.template.columns, start=3):
            width = max(9, _width(column.label) // 2 + 3)
            ws.column_dimensions[get_column_letter(index)].width = width
        numbers = top + (2 if self.template.has_groups else 1)
        ws.freeze_panes = ws.cell(numbers + 1, 3)
        ws.print_title_rows = f"{top}:{numbers}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_area = f"A1:{get_column_letter(n)}{ws.max_row}"
        buffer = io.BytesIO()
        self.wb.save(buffer)
        return buffer.getvalue()


def _notes(template: ReportTemplate, region, rows: list[Row], missing: bool) -> list[str]:
    notes = [_("合计为%(region)s全辖区的数值，与统计看板一致；比率和按人、户去重的指标按全辖区"
               "计算，不是各行之和。") % {"region": region.name}]  # fmt: skip
    if any(r.code == region.code and not r.total for r in rows):
        notes.append(_("“本级”为直接登记在%(region)s（不在下级区划）的记录，如社工站开展的小组"
                       "和活动。") % {"region": region.name})  # fmt: skip
    if missing:
        notes.append(_("“—”表示该指标不适用于该区划或本报告期（如村的乡镇覆盖率、往期的实时数）。"))
    return notes + list(template.notes)


def report_workbook(*, by, template: ReportTemplate, region, period: Period) -> bytes:
    """The filled form for `region` and `period` as .xlsx bytes."""
    with translation.override(REPORT_LANGUAGE):
        check_region(region)
        rows = report_rows(template, region, period)
        form = _Form(template)
        form.heading(reporting_unit(by, region), period)
        top = form.header()
        missing = form.body(rows)
        form.footer(_notes(template, region, rows, missing), by)
        return form.finish(top, rows)


def report_filename(template: ReportTemplate, region, period: Period) -> str:
    return f"{template.form_number}-{template.title}-{region.name}-{period.key}.xlsx"


def report_export(*, by, template: ReportTemplate, region, period: Period) -> bytes:
    """The filled form, handed out as an audited read (the figures of a whole region)."""
    if not permissions.can(by, "stats.dashboard", "view", region.code):
        raise PermissionDenied
    content = report_workbook(by=by, template=template, region=region, period=period)
    audit_record(
        actor=by, action="report.export", object_type="stats.report", object_id=template.code,
        object_repr=f"{template.form_number} {template.title} · {region.name} · {period.label}",
        region_code=region.code,
        changes={"template": template.code, "region": region.code, "period": period.key},
    )  # fmt: skip
    return content

"""The spreadsheets the registry hands out: the roster template, the failed rows of an
import to fix and upload again, and the export of a filtered list (masked, audited).

Every text cell is written as text: a value starting with = + - @ would otherwise be a
formula that runs when the file is opened (CSV/formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wushe.accounts import permissions
from wushe.accounts.models import User
from wushe.audit.services import audit_record
from wushe.people import services
from wushe.people.forms import PersonFilterForm
from wushe.people.models import Category, Gender, LegalBasis, Person, PersonCategory, Relation
from wushe.people.rules import current_q, is_sensitive
from wushe.regions.models import Level, Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET = "花名册"
OPTIONS_SHEET = "选项"
LAST_ROW = 1048576
# Categories that need more than a name and a start date (残疾类别和等级, 地方类别名称)
# are added on the person's page, not through the roster.
IMPORTABLE_CATEGORIES = [c for c in Category if c not in (Category.DISABILITY, Category.LOCAL)]
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 12
    text: bool = False  # formatted as text, so Excel keeps long digit strings intact
    note: str = ""

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, 10),
    Column("id_number", "身份证号", True, 22, True, "18 位，或 15 位旧号（自动转换）"),
    Column("gender", "性别", False, 6, note="可不填：以身份证号为准"),
    Column("birth_date", "出生日期", False, 12, note="可不填：以身份证号为准；如 1946-03-15"),
    Column("ethnicity", "民族", False, 10, note="可从下拉中选，也可直接填写"),
    Column("phone", "联系电话", False, 14, True),
    Column("region", "所在村（社区）区划代码", True, 30, True, "12 位统计用区划代码，须为村级"),
    Column("address", "住址", False, 28),
    Column("household", "户号", False, 8, True, "本表内的家庭编号：同一户填相同的户号"),
    Column("relation", "与户主关系", False, 10),
    Column("legal_basis", "处理依据", False, 14, note="不填为“履行法定职责”"),
    Column("category", "类别", False, 16, note="一个类别；残疾人和地方类别请导入后在页面添加"),
    Column("category_start", "类别开始日期", False, 14, note="不填为导入当天"),
)
REASON_HEADER = "错误原因"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook to download; never cached, since it may hold personal data."""
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store"
    return response


def labels(choices: Iterable) -> list[str]:
    """The Chinese labels of choices, whatever language the request is in."""
    with translation.override("zh-hans"):
        return [str(choice.label) for choice in choices]


def keep_as_text(cell) -> None:
    """Text that Excel would run as a formula (=, +, -, @ first) stays text."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


def _text_cell(ws, value) -> WriteOnlyCell:
    """A write-only cell that holds `value` as text, never as a formula."""
    cell = WriteOnlyCell(ws, value=value)
    keep_as_text(cell)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def append_safe(ws, values: Sequence) -> None:
    """A row in a normal (not write-only) sheet, its formula-looking text kept as text."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        keep_as_text(cell)


def _options_sheet(wb: Workbook, villages: list[str]) -> dict[str, str]:
    """Long dropdown lists live on a hidden sheet (an inline list is limited to 255 chars)."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    ws.sheet_state = "hidden"
    lists = {
        "ethnicity": ETHNICITIES,
        "category": labels(IMPORTABLE_CATEGORIES),
        "region": villages or [""],
    }
    refs = {}
    for index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        for row, value in enumerate(values, start=1):
            ws.cell(row=row, column=index, value=value)
        refs[key] = f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}"
    return refs


def _dropdowns(ws, refs: dict[str, str], last_row: int = LAST_ROW) -> None:
    inline = {
        "gender": labels(Gender),
        "relation": labels(Relation),
        "legal_basis": labels(LegalBasis),
    }
    for index, column in enumerate(COLUMNS, start=1):
        if column.key in inline:
            formula = '"' + ",".join(inline[column.key]) + '"'
        elif column.key in refs:
            formula = refs[column.key]
        else:
            continue
        # 民族 and the village list offer choices without refusing other values.
        strict = column.key not in ("ethnicity", "region")
        rule = DataValidation(type="list", formula1=formula, allow_blank=True)
        rule.showErrorMessage = strict
        rule.error = _("请从下拉列表中选择。")
        letter = get_column_letter(index)
        rule.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(rule)


def _village_choices(by: User | None) -> list[str]:
    if by is None:
        return []
    qs = Region.objects.visible_to(by).filter(level=Level.VILLAGE).order_by("code")
    return [
        f"{code} {name}"
        for code, name in qs.values_list("code", "name")[:5000]
        if permissions.can(by, "people.person", "create", code)
    ]


def roster_workbook(*, by: User | None = None, failed: Iterable[Sequence] = ()) -> bytes:
    """The roster template; with `failed` ([row, values..., reason] lists from an import),
    the failed rows to fix, each with its 错误原因, in the same layout so it can be uploaded."""
    failed = list(failed)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = [c.title for c in COLUMNS] + ([REASON_HEADER] if failed else [])
    ws.append(headers)
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
        ws.cell(row=1, column=index).font = bold
    if failed:
        reason = ws.cell(row=1, column=len(COLUMNS) + 1)
        reason.font = bold
        reason.fill = PatternFill("solid", fgColor="FFF2CC")
        ws.column_dimensions[get_column_letter(len(COLUMNS) + 1)].width = 60
    ws.freeze_panes = "A2"
    for row in failed:
        append_safe(ws, [*row[1:]])
    for index, column in enumerate(COLUMNS, start=1):
        if column.text:
            for cell in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell[0].number_format = "@"
    _dropdowns(ws, _options_sheet(wb, _village_choices(by)))
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", column.note])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


EXPORT_HEADERS = (
    "姓名", "身份证号", "性别", "出生日期", "民族", "联系电话", "所在村（社区）区划代码",
    "所在村（社区）", "住址", "家庭户编号", "与户主关系", "处理依据", "当前类别",
)  # fmt: skip


def _export_rows(by: User, people, *, masked: bool) -> Iterable[list]:
    sensitive_ok: dict[str, bool] = {}
    current = PersonCategory.objects.filter(current_q())
    people = people.select_related("region").prefetch_related(
        Prefetch("categories", queryset=current, to_attr="current_categories")
    )
    for person in people.iterator(chunk_size=1000):
        code = person.region_id
        if code not in sensitive_ok:
            sensitive_ok[code] = permissions.can(by, "people.sensitive", "view", code)
        shown = [
            str(c) for c in person.current_categories
            if sensitive_ok[code] or not is_sensitive(c.category)
        ]  # fmt: skip
        if masked:
            secrets = services.masked(person)
        else:
            secrets = {
                "id_number": services.id_number_of(person),
                "phone": services.phone_of(person),
            }
        yield [
            person.name, secrets["id_number"], person.get_gender_display(), person.birth_date,
            person.ethnicity, secrets["phone"], code, person.region.name, person.address,
            person.household_id or "", person.get_relation_display(),
            person.get_legal_basis_display(), "、".join(shown),
        ]  # fmt: skip


def people_export(
    *, by: User, q: str = "", category: str = "", region: Region | None = None, reason: str = ""
) -> tuple[bytes, int]:
    """The people of the list as filtered (q, category, region), as .xlsx: masked unless a
    `reason` is given by someone who may reveal them. The export is an audit event."""
    masked = not reason.strip()
    action = "view" if masked else "reveal"
    if not masked and len(reason.strip()) < 2:
        raise ValidationError({"reason": _("请说明导出完整信息的理由。")})
    if not permissions.can(by, "people.person", action):
        raise PermissionDenied
    if region is not None and not permissions.can(by, "people.person", "view", region.code):
        raise PermissionDenied
    people = Person.objects.visible_to(by, action)
    if region is not None:
        lo, hi = region.code_range
        people = people.filter(region_id__gte=lo, region_id__lte=hi)
    form = PersonFilterForm({"q": q, "category": category}, user=by)
    if form.is_valid():  # as on the list page, a filter that does not parse filters nothing
        people = form.filter(people)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append(list(EXPORT_HEADERS))
    count = 0
    for values in _export_rows(by, people, masked=masked):
        ws.append([_text_cell(ws, v) for v in values])
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    roots = permissions.scope_roots(by)
    filters = {"q": q, "category": category, "region": region.code if region else ""}
    with transaction.atomic():
        audit_record(
            actor=by, action="person.export", object_type="people.person",
            object_repr=_("服务对象名单（%(n)s 人）") % {"n": count},
            region_code=region.code if region else (roots[0] if len(roots) == 1 else ""),
            changes={"filters": filters, "rows": count, "masked": masked, "reason": reason.strip()},
        )  # fmt: skip
    return buffer.getvalue(), count

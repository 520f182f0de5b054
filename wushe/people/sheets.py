"""Reading an uploaded roster, whatever program wrote it: .xlsx (Excel, WPS), .xls (Excel
97-2003, still what many township offices save) and .csv in UTF-8 or GBK.

Each reader yields (row number as the spreadsheet shows it, cells); `records` finds the
header (it may sit below a title line or two) and maps each row's cells to column keys.
Rows of .xlsx and .csv are read one at a time, so a large file is never held as a table in
memory (an .xls sheet, at most 65,536 rows, is read whole).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import openpyxl
import xlrd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wushe.people.exports import COLUMNS, SHEET

HEADER_ROWS = 5  # the header may sit below a title line or two
SUFFIXES = (".xlsx", ".xls", ".csv")


def header_key(value: object) -> str:
    """A header or choice as compared: NFKC (full-width letters), no spaces, no '*'."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s*]", "", text)


def cell_text(value: object) -> str:
    """A cell as the text a person reads in it (a whole float without its '.0')."""
    if type(value) is str:  # every cell of a CSV, most of a workbook's: tested first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _roster_sheet(names: list[str]) -> int:
    return names.index(SHEET) if SHEET in names else 0


def _xlsx_rows(stream: BinaryIO) -> Iterator[tuple[int, Sequence]]:
    try:
        wb = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # not a zip, not a workbook, password-protected …
        raise ValidationError(_("无法读取此 Excel 文件：请确认是 .xlsx 格式且没有加密。")) from exc
    try:
        ws = wb.worksheets[_roster_sheet(wb.sheetnames)]
        ws.reset_dimensions()  # some programs write a wrong size; read what is there
        yield from enumerate(ws.iter_rows(values_only=True), start=1)
    finally:
        wb.close()


def _xls_book(stream: BinaryIO) -> xlrd.book.Book:
    try:
        return xlrd.open_workbook(file_contents=stream.read(), on_demand=True)
    except Exception as exc:  # not a BIFF file (often an .xlsx renamed), encrypted …
        raise ValidationError(
            _("无法读取此 .xls 文件：请确认是 Excel 97-2003 格式且没有加密，或另存为 .xlsx。")
        ) from exc


def _xls_cell(cell: xlrd.sheet.Cell, datemode: int) -> object:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _xls_rows(stream: BinaryIO) -> Iterator[tuple[int, Sequence]]:
    book = _xls_book(stream)
    try:
        sheet = book.sheet_by_index(_roster_sheet(book.sheet_names()))
        for index in range(sheet.nrows):
            yield index + 1, [_xls_cell(c, book.datemode) for c in sheet.row(index)]
    finally:
        book.release_resources()


def _is_utf8(stream: BinaryIO) -> bool:
    """Whether the whole stream decodes as UTF-8 (read in blocks, then rewound)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(1 << 16):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return True


def _csv_rows(stream: BinaryIO) -> Iterator[tuple[int, Sequence]]:
    # Excel in China saves CSV as GB18030 (GBK); everything else as UTF-8, often with a BOM.
    encoding = "utf-8-sig" if _is_utf8(stream) else "gb18030"
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValidationError(
            _("无法识别此 CSV 文件的编码：请另存为 UTF-8 或 GBK 编码，或直接上传 .xlsx。")
        ) from exc
    finally:
        text.detach()  # the caller closes the stream it opened


def sheet_rows(name: str, stream: BinaryIO) -> Iterator[tuple[int, Sequence]]:
    """(row number, cells) of every row of the roster sheet, by the file's type."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(stream)
    if suffix == ".xls":
        return _xls_rows(stream)
    if suffix == ".csv":
        return _csv_rows(stream)
    raise ValidationError(_("只能导入 .xlsx、.xls 或 .csv 文件。"))


def records(name: str, stream: BinaryIO) -> Iterator[tuple[int, dict[str, object]]]:
    """(row number as the spreadsheet shows it, {column key: cell}) of each non-empty row."""
    by_header = {header_key(c.header): c.key for c in COLUMNS}
    columns: dict[int, str] | None = None
    for number, cells in sheet_rows(name, stream):
        if columns is None:
            found = {i: by_header[header_key(c)] for i, c in enumerate(cells)
                     if header_key(c) in by_header}  # fmt: skip
            if len(found) >= 2:
                missing = [c.header for c in COLUMNS if c.required and c.key not in found.values()]
                if missing:
                    raise ValidationError(
                        _("缺少必填列：%(c)s。请使用下载的模板。") % {"c": "、".join(missing)}
                    )
                columns = found
            elif number >= HEADER_ROWS:
                break
            continue
        values = {key: cells[i] if i < len(cells) else None for i, key in columns.items()}
        if any(cell_text(v) for v in values.values()):
            yield number, values
    if columns is None:
        raise ValidationError(_("没有找到表头（姓名、身份证号……）。请使用下载的模板。"))


def count_rows(name: str, stream: BinaryIO) -> int:
    """A quick estimate for the progress bar: the sheet's stated size, or the CSV's lines.
    The stream is rewound afterwards."""
    try:
        return _count_rows(name, stream)
    finally:
        stream.seek(0)


def _count_rows(name: str, stream: BinaryIO) -> int:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return max(
            sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b"")) - 1, 0
        )
    if suffix == ".xls":
        book = _xls_book(stream)
        try:
            return max(book.sheet_by_index(_roster_sheet(book.sheet_names())).nrows - 1, 0)
        finally:
            book.release_resources()
    wb = openpyxl.load_workbook(stream, read_only=True)
    try:
        stated = wb.worksheets[_roster_sheet(wb.sheetnames)].max_row or 0
    finally:
        wb.close()
    # Without a stated size, guess from the file's: some 60 compressed bytes a row.
    return stated - 1 if stated > 1 else stream.seek(0, io.SEEK_END) // 60

"""The file as an editable Word document: headings and tables, the CJK font named on every
run (w:eastAsia), A4, and a footer whose PAGE / NUMPAGES fields Word fills in."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from wushe.casework.dossier.contents import (
    CaseEntry,
    Dossier,
    PersonFile,
    Rows,
    VisitEntry,
    format_datetime,
)

FONT = "Noto Serif CJK SC"
# Word on a machine without Noto falls back to this (named in the file's font table).
FONT_FALLBACK = "宋体"


def _east_asian(element) -> None:
    """Give a run or a style the CJK font: Word picks fonts for Chinese by w:eastAsia."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)
    # A theme font (the headings' majorEastAsia) would win over the named one.
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)


def _node(tag: str, text: str = "", **attrs: str):
    node = OxmlElement(tag, attrs={qn(k.replace("_", ":", 1)): v for k, v in attrs.items()})
    node.text = text or None
    return node


def _name_fallback(document) -> None:
    """Name 宋体 as the CJK font's alternate in the font table, for Word where Noto is not
    installed (most government desktops)."""
    for rel in document.part.rels.values():
        if rel.reltype == RT.FONT_TABLE:
            table = parse_xml(rel.target_part.blob)
            font = _node("w:font", w_name=FONT)
            font.append(_node("w:altName", w_val=FONT_FALLBACK))
            font.append(_node("w:charset", w_val="86"))  # GB2312
            table.append(font)
            # A plain (non-XML) part in python-docx: its bytes are what is saved.
            rel.target_part._blob = etree.tostring(
                table, xml_declaration=True, encoding="UTF-8", standalone=True
            )


def _field(paragraph, instruction: str) -> None:
    """A field Word computes when it lays the pages out (PAGE, NUMPAGES)."""
    run = paragraph.add_run()
    _east_asian(run._element)
    run._element.extend(
        [
            _node("w:fldChar", w_fldCharType="begin"),
            _node("w:instrText", f" {instruction} ", xml_space="preserve"),
            _node("w:fldChar", w_fldCharType="separate"),
            _node("w:t", "1"),  # shown until Word updates the field
            _node("w:fldChar", w_fldCharType="end"),
        ]
    )


class _Writer:
    """python-docx with the CJK font on every run it adds."""

    def __init__(self) -> None:
        self.doc = Document()
        _name_fallback(self.doc)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
        for margin in ("left_margin", "right_margin"):
            setattr(section, margin, Cm(2))
        for style in self.doc.styles:
            if hasattr(style, "font") and style.element is not None:
                _east_asian(style.element)
        self.doc.styles["Normal"].font.size = Pt(10.5)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # One sentence for the translators; its two placeholders become fields.
        fields = {"%(page)s": "PAGE", "%(pages)s": "NUMPAGES"}
        for piece in re.split(r"(%\(pages?\)s)", _("第 %(page)s 页 / 共 %(pages)s 页")):
            if piece in fields:
                _field(footer, fields[piece])
            elif piece:
                self.text(footer, piece)

    @staticmethod
    def text(paragraph, value: str, *, bold: bool = False):
        run = paragraph.add_run(value)
        run.bold = bold or None
        _east_asian(run._element)
        return run

    def heading(self, value: str, level: int) -> None:
        paragraph = self.doc.add_heading(level=level)
        self.text(paragraph, value)

    def para(self, value: str, *, bold: bool = False) -> None:
        self.text(self.doc.add_paragraph(), value, bold=bold)

    def facts(self, rows: Rows) -> None:
        """Label–value pairs as a two-column table."""
        if not rows:
            return
        table = self.doc.add_table(rows=0, cols=2, style="Table Grid")
        for label, value in rows:
            cells = table.add_row().cells
            self.text(cells[0].paragraphs[0], label, bold=True)
            self.text(cells[1].paragraphs[0], value)

    def table(self, records: list[Rows], empty: str) -> None:
        """Records of the same shape as a table with a header row."""
        if not records:
            self.para(empty)
            return
        header = [k for k, _v in records[0]]
        table = self.doc.add_table(rows=1, cols=len(header), style="Table Grid")
        for cell, label in zip(table.rows[0].cells, header, strict=True):
            self.text(cell.paragraphs[0], label, bold=True)
        for record in records:
            for cell, (_k, value) in zip(table.add_row().cells, record, strict=True):
                self.text(cell.paragraphs[0], value)


def _write_visits(w: _Writer, visits: list[VisitEntry]) -> None:
    if not visits:
        w.para(_("没有您可查看的走访记录。"))
    for n, visit in enumerate(visits, 1):
        w.para(_("第 %(n)d 次走访") % {"n": n}, bold=True)
        w.facts(visit.rows)


def _write_case(w: _Writer, case: CaseEntry, level: int) -> None:
    w.heading(case.title, level)
    w.facts(case.facts)
    w.table([[(_("阶段"), k), (_("时间"), v)] for k, v in case.stages], "—")
    if not case.notes_shown:
        w.para(_("个案记录内容仅限个案团队和有权人员查看，本档案未包含。"))
    w.facts(case.opening)
    w.para(_("服务目标"), bold=True)
    w.table([[(_("目标"), k), (_("是否达成"), v)] for k, v in case.goals], _("尚未制定目标。"))
    w.para(_("服务记录"), bold=True)
    services = [
        [(_("服务日期"), s.served_on), (_("服务事项"), s.items), (_("时长（分钟）"), s.minutes),
         *([(_("服务内容"), s.description)] if case.notes_shown else [])]
        for s in case.services
    ]  # fmt: skip
    w.table(services, _("暂无服务记录。"))
    w.facts(case.closing)
    w.para(_("个案进程"), bold=True)
    events = [
        [(_("时间"), e.at), (_("事项"), e.summary), (_("经办人"), e.actor),
         *([(_("说明"), e.note)] if case.notes_shown else [])]
        for e in case.events
    ]  # fmt: skip
    w.table(events, "—")
    if case.referrals:
        w.para(_("转介"), bold=True)
        w.table(case.referrals, "—")


def _write_person(w: _Writer, person: PersonFile, level: int) -> None:
    w.heading(person.name, level)
    w.facts(person.facts)
    w.heading(_("对象类别"), level + 1)
    w.table(person.categories, _("没有您可查看的类别。"))
    if person.members:
        w.heading(_("家庭成员"), level + 1)
        w.table(person.members, "—")
    w.heading(_("走访记录"), level + 1)
    _write_visits(w, person.visits)
    w.heading(_("需求"), level + 1)
    needs = [
        [(_("登记时间"), n.created_at), (_("需求"), n.what), (_("紧急程度"), n.urgency),
         (_("状态"), n.status), (_("需求描述"), n.description), (_("处理说明"), n.resolution)]
        for n in person.needs
    ]  # fmt: skip
    w.table(needs, _("没有您可查看的需求。"))
    w.heading(_("个案"), level + 1)
    if not person.cases:
        w.para(_("没有您可查看的个案。"))
    for case in person.cases:
        _write_case(w, case, level + 2)
    if person.groups or person.activities:
        w.heading(_("小组与社区活动"), level + 1)
        w.table([[(_("入组日期"), d), (_("小组"), g)] for d, g in person.groups], "—")
        w.table([[(_("活动日期"), d), (_("活动"), a)] for d, a in person.activities], "—")


def render_docx(dossier: Dossier) -> bytes:
    w = _Writer()
    w.heading(_("服务对象档案"), 0)
    w.para(dossier.subtitle, bold=True)
    w.para(
        _("生成时间：%(at)s　生成人：%(by)s")
        % {"at": format_datetime(dossier.generated_at), "by": dossier.generated_by}
    )
    w.para(_("身份证号、联系电话已脱敏显示。本档案含个人信息，仅限工作使用，不得外传。"))
    level = 1
    if dossier.kind == "household":
        w.heading(dossier.subject, 1)
        w.facts(dossier.household)
        w.heading(_("家庭成员"), 2)
        w.table([p.summary for p in dossier.people], _("没有您可查看的成员。"))
        w.heading(_("家庭走访记录"), 2)
        _write_visits(w, dossier.household_visits)
        level = 2
    for person in dossier.people:
        _write_person(w, person, level)
    buffer = io.BytesIO()
    w.doc.save(buffer)
    return buffer.getvalue()

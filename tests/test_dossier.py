"""乌力吉's file (一人一档) and his household's (一户一档), downloaded as PDF and as Word and
read back with real parsers: what is in it, in what order, and what is kept out."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from wushe.audit.models import AuditEvent
from wushe.casework import services
from wushe.casework.dossier import FONT
from wushe.casework.models import Case
from wushe.catalog.models import ServiceDomain, ServiceItem
from wushe.people import services as people_services
from wushe.people.models import Household, Person, Relation

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIRST_VISIT = "初次走访：独居，屋内取暖靠煤炉"
SECOND_VISIT = "回访：电暖器已装好，精神不错"
ASSESSMENT = "冬季取暖存在一氧化碳中毒风险，邻里支持不足"
FIRST_SERVICE = "链接慈善资源更换电暖器"
SECOND_SERVICE = "组织邻里守望小组每日探望"
EVALUATION = "两项目标均已达成，老人安全过冬"
# The case's stage stamps as the file names them, in the order the case went through them.
STAGES = ["接案时间", "预估时间", "计划时间", "开始介入时间", "评估时间", "结案时间"]


def item(code: str) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


@pytest.fixture
def story(world):
    """赵小红 visits 乌力吉 twice, finds a need, and works a case through to closure."""
    user = world.users["station_worker"]
    wuliji = world.people["wuliji"]
    now = timezone.now()
    # The later visit is recorded first: the file must still list them oldest first.
    services.visit_create(
        by=user, person=wuliji, visited_at=now - timedelta(hours=2), place="社区活动室",
        items=[item("elderly.home_visit")], living_conditions=SECOND_VISIT,
    )  # fmt: skip
    first, _created = services.visit_create(
        by=user, person=wuliji, visited_at=now - timedelta(days=3), place="乌力吉家中",
        items=[item("elderly.home_visit")], workers=[world.workers["worker_a"]],
        living_conditions=FIRST_VISIT, follow_up_on=timezone.localdate(),
    )  # fmt: skip
    need = services.need_create(
        by=user, person=wuliji, domain=ServiceDomain.objects.get(code="elderly"),
        item=item("elderly.material_aid"), description="需要更换取暖设备", visit=first,
    )  # fmt: skip
    case = services.case_open(
        by=user, person=wuliji, platform=world.platforms["station_a"], title="乌力吉居家安全",
        intake_summary="独居老人，冬季取暖", need=need,
    )  # fmt: skip
    case = services.case_assess(by=user, case=case, assessment=ASSESSMENT)
    case = services.case_plan(by=user, case=case, goals=["更换安全取暖设备", "建立邻里守望"])
    case = services.case_intervene(by=user, case=case)
    for description in (FIRST_SERVICE, SECOND_SERVICE):
        services.service_record_add(
            by=user, case=case, served_on=timezone.localdate(),
            items=[item("elderly.material_aid")], description=description, minutes=60,
        )  # fmt: skip
    attained = {g.pk: True for g in case.goals.all()}
    case = services.case_evaluate(by=user, case=case, evaluation=EVALUATION, attained=attained)
    case = services.case_close(by=user, case=case, reason=Case.Closure.GOALS_MET)
    people_services.category_add(
        by=None, person=wuliji, category="elderly_alone", started_on=date(2024, 1, 1)
    )
    people_services.category_add(
        by=None, person=wuliji, category="dibao", started_on=date(2024, 1, 1)
    )
    return world


@pytest.fixture
def household(story):
    """乌力吉 is the head of a household his grandson 赵小宝 belongs to."""
    world = story
    home = Household.objects.create(region=world.region("152201001001"), address="万佳小区 3-2")
    Person.objects.filter(pk=world.people["wuliji"].pk).update(
        household=home, relation=Relation.HEAD
    )
    Person.objects.filter(pk=world.people["xiaobao"].pk).update(
        household=home, relation=Relation.GRANDCHILD
    )
    services.visit_create(
        by=world.users["station_worker"], household=home, place="全家",
        visited_at=timezone.now() - timedelta(days=1), items=[item("elderly.home_visit")],
        living_conditions="祖孙二人同住，孙子上小学",
    )  # fmt: skip
    return home


def download(client, user, url: str):
    client.force_login(user)
    return client.get(url)


def pdf_pages(body: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(body))
    return reader, [page.extract_text() for page in reader.pages]


def squeezed(text: str) -> str:
    """The text without whitespace: a table cell may wrap anywhere."""
    return re.sub(r"\s+", "", text)


def docx_text(body: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(body))
    return doc, "".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


def in_order(text: str, parts: list[str]) -> bool:
    """Each part appears after the one before it."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def test_person_pdf_holds_the_file_in_order_and_masked(story, client):
    wuliji = story.people["wuliji"]
    response = download(client, story.users["station_worker"], f"/dossier/person/{wuliji.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    name = f"乌力吉-服务对象档案-{timezone.localdate().isoformat()}.pdf"
    disposition = f"attachment; filename*=utf-8''{quote(name)}"
    assert response["Content-Disposition"].lower() == disposition.lower()
    assert response["Cache-Control"] == "private, no-store"

    reader, pages = pdf_pages(response.content)
    text = squeezed("".join(pages))
    assert "服务对象档案" in text and "乌力吉" in text and "生成人：赵小红" in text
    assert in_order(text, ["乌力吉家中", squeezed(FIRST_VISIT), "社区活动室", SECOND_VISIT])
    assert in_order(text, STAGES)
    assert in_order(text, ["乌力吉居家安全", ASSESSMENT, FIRST_SERVICE, SECOND_SERVICE, EVALUATION])
    assert "独居老人" in text and "低保" in text  # the station worker may see both
    for n, page in enumerate(pages, 1):
        assert f"第 {n} 页 / 共 {len(pages)} 页" in page
    shown = people_services.masked(wuliji)
    full = people_services.id_number_of(wuliji)
    assert full not in text and shown["id_number"] in text
    assert people_services.phone_of(wuliji) not in text and shown["phone"] in text
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595) <= 1
        assert abs(float(page.mediabox.height) - 842) <= 1


def test_person_docx_holds_the_same_file_in_order(story, client):
    wuliji = story.people["wuliji"]
    response = download(client, story.users["station_worker"], f"/dossier/person/{wuliji.pk}.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert quote("乌力吉-服务对象档案-") in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"

    doc, text = docx_text(response.content)
    assert "服务对象档案" in text and "乌力吉" in text
    assert in_order(text, ["乌力吉家中", FIRST_VISIT, "社区活动室", SECOND_VISIT])
    assert in_order(text, STAGES)
    assert in_order(text, ["乌力吉居家安全", ASSESSMENT, FIRST_SERVICE, SECOND_SERVICE, EVALUATION])
    shown = people_services.masked(wuliji)
    assert people_services.id_number_of(wuliji) not in text and shown["id_number"] in text
    # Editable tables, the CJK font on every run, A4, and page numbers Word computes.
    assert len(doc.tables) > 5
    runs = list(doc.element.body.iter(qn("w:r")))
    assert runs and all(r.rPr.rFonts.get(qn("w:eastAsia")) == FONT for r in runs)
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    footer = section.footer._element
    fields = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert fields == ["PAGE", "NUMPAGES"]
    footer_text = "".join(t.text for t in footer.iter(qn("w:t")))
    assert footer_text == "第 1 页 / 共 1 页"  # the fields' placeholders until Word lays out
    fonts = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("fontTable"))
    assert f'w:name="{FONT}"><w:altName w:val="宋体"/>' in fonts.blob.decode()


def test_export_is_audited(story, client):
    wuliji = story.people["wuliji"]
    user = story.users["station_worker"]
    download(client, user, f"/dossier/person/{wuliji.pk}.pdf")
    download(client, user, f"/dossier/person/{wuliji.pk}.docx")
    events = AuditEvent.objects.filter(action="person.dossier_export", object_id=str(wuliji.pk))
    assert [e.changes["format"] for e in events.order_by("at", "id")] == ["pdf", "docx"]
    assert {e.actor_id for e in events} == {user.pk}
    assert {e.region_code for e in events} == {wuliji.region_id}
    # The case's own worker reads her case: no outside-the-team read to record.
    assert not AuditEvent.objects.filter(action="case.read").exists()


def test_viewer_without_casenote_rights_gets_the_case_but_not_its_notes(story, client):
    wuliji = story.people["wuliji"]
    county_admin = story.users["county_admin"]
    response = download(client, county_admin, f"/dossier/person/{wuliji.pk}.pdf")
    text = squeezed("".join(pdf_pages(response.content)[1]))
    assert "乌力吉居家安全" in text and in_order(text, STAGES)
    for note in (ASSESSMENT, FIRST_SERVICE, SECOND_SERVICE, EVALUATION, "独居老人，冬季取暖"):
        assert note not in text
    assert "个案记录内容仅限个案团队和有权人员查看" in text
    _doc, word = docx_text(
        download(client, county_admin, f"/dossier/person/{wuliji.pk}.docx").content
    )
    assert "乌力吉居家安全" in word and ASSESSMENT not in word and FIRST_SERVICE not in word
    case = Case.objects.get(person=wuliji)
    reads = AuditEvent.objects.filter(action="case.read", object_id=str(case.pk))
    assert reads.count() == 2 and {e.actor_id for e in reads} == {county_admin.pk}


def test_supervisor_with_casenote_rights_reads_the_notes_and_is_audited(story, client):
    wuliji = story.people["wuliji"]
    supervisor = story.users["supervisor"]
    _doc, word = docx_text(
        download(client, supervisor, f"/dossier/person/{wuliji.pk}.docx").content
    )
    assert in_order(word, [ASSESSMENT, FIRST_SERVICE, SECOND_SERVICE, EVALUATION])
    assert AuditEvent.objects.filter(action="case.read", actor=supervisor).count() == 1


@pytest.mark.parametrize("persona", ["other_station_worker", "outsider"])
def test_out_of_scope_persona_gets_404(world, household, client, persona):
    wuliji = world.people["wuliji"]
    client.force_login(world.users[persona])
    for url in (
        f"/dossier/person/{wuliji.pk}.pdf",
        f"/dossier/person/{wuliji.pk}.docx",
        f"/dossier/household/{household.pk}.pdf",
        f"/dossier/household/{household.pk}.docx",
    ):
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(action__endswith="dossier_export").exists()


def test_anonymous_is_sent_to_login(story, client):
    response = client.get(f"/dossier/person/{story.people['wuliji'].pk}.pdf")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_volunteer_coordinator_sees_no_child_no_sensitive_category_and_no_case(
    world, household, client
):
    client.force_login(world.users["volunteer_coordinator"])
    assert client.get(f"/dossier/person/{world.people['xiaobao'].pk}.docx").status_code == 404
    _doc, word = docx_text(client.get(f"/dossier/person/{world.people['wuliji'].pk}.docx").content)
    assert "独居老人" in word and FIRST_VISIT in word  # visits are the volunteers' work
    assert "低保" not in word and "赵小宝" not in word and "乌力吉居家安全" not in word
    _doc, home = docx_text(client.get(f"/dossier/household/{household.pk}.docx").content)
    assert "乌力吉" in home and "赵小宝" not in home


def test_household_file_lists_members_and_their_records(world, household, client):
    worker = world.users["station_worker"]
    response = download(client, worker, f"/dossier/household/{household.pk}.pdf")
    assert response.status_code == 200
    assert quote("乌力吉户-服务对象档案-") in response["Content-Disposition"]
    reader, pages = pdf_pages(response.content)
    text = squeezed("".join(pages))
    assert "一户一档：乌力吉户" in text and "万佳小区3-2" in text
    # The household's own visit, then each member's file: the head first, then the grandson.
    assert in_order(text, ["祖孙二人同住", "乌力吉家中", ASSESSMENT, SECOND_SERVICE, "赵小宝"])
    assert f"第 {len(pages)} 页 / 共 {len(pages)} 页" in pages[-1]
    _doc, word = docx_text(
        download(client, worker, f"/dossier/household/{household.pk}.docx").content
    )
    assert in_order(word, ["祖孙二人同住", "乌力吉家中", ASSESSMENT, SECOND_SERVICE, "赵小宝"])
    events = AuditEvent.objects.filter(action="household.dossier_export")
    assert [e.changes["format"] for e in events.order_by("at", "id")] == ["pdf", "docx"]
    head, grandson = world.people["wuliji"], world.people["xiaobao"]
    assert events.first().changes["people"] == [head.pk, grandson.pk]


def test_groups_and_activities_the_reader_may_see_are_listed(story, client):
    from wushe.groupwork.models import Activity, Group, GroupMember

    wuliji = story.people["wuliji"]
    for key, name in (("station_a", "银龄互助小组"), ("station_b", "和平街道书法小组")):
        platform = story.platforms[key]
        group = Group.objects.create(
            platform=platform, region=platform.region, name=name, theme="互助", goals="结对"
        )
        GroupMember.objects.create(group=group, person=wuliji)
    station_a = story.platforms["station_a"]
    activity = Activity.objects.create(
        platform=station_a, region=station_a.region, title="重阳敬老活动",
        held_on=timezone.localdate(), place="社区广场", beneficiaries=30,
    )  # fmt: skip
    activity.beneficiary_people.add(wuliji)
    response = download(client, story.users["station_worker"], f"/dossier/person/{wuliji.pk}.docx")
    _doc, text = docx_text(response.content)
    assert in_order(text, ["小组与社区活动", "银龄互助小组", "重阳敬老活动"])
    assert "和平街道书法小组" not in text  # another station's group, outside her scope

"""A station worker's day on a phone, in a real browser: a visit with a photo, a visit made
while offline and synced later exactly once, a case opened from the need it found and run
through every stage with a referral another station accepts, the supervisor approving its
closure, and the person's PDF file telling the whole story in Chinese."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.conftest import PASSWORD
from wushe.casework import services
from wushe.casework.models import Case, CaseStatus, Need, Referral, Visit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 46.0725, "longitude": 122.0519}


def photo_file() -> dict:
    """A 2400×1800 camera photo, larger than the phone may send as it is."""
    image = Image.new("RGB", (2400, 1800), (90, 140, 200))
    for x in range(0, 2400, 40):  # some detail, so it is not trivially small
        image.paste((200, 120 + x % 100, 60), (x, 0, x + 20, 1800))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return {"name": "IMG_0412.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


@pytest.fixture
def phone(browser: Browser, base_url: str, page_errors: list[str]):
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True,
        geolocation=WHERE, permissions=["geolocation"],
    )  # fmt: skip
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda m: page_errors.append(f"console: {m.text}")
        if m.type == "error" and "ERR_INTERNET_DISCONNECTED" not in m.text
        and "Failed to fetch" not in m.text and "Failed to load resource" not in m.text
        else None,
    )  # fmt: skip
    yield context, page
    context.close()


def log_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert "/accounts/login/" not in page.url


def test_a_station_workers_day_from_visit_to_approved_closure(
    browser_world, phone, base_url, page_errors
):
    world = browser_world
    context, page = phone
    wuliji = world.people["wuliji"]
    services.closure_policy_set(
        by=world.users["county_admin"], region=world.region("152201000000"), needs_approval=True
    )

    # --- a visit with a photo, on the phone ---------------------------------------------
    log_in(page, base_url, "station_worker")
    page.goto(f"{base_url}/people/{wuliji.pk}/")
    page.get_by_role("main").get_by_role("link", name="入户走访").click()
    expect(page.locator("h1")).to_contain_text("乌力吉")
    submit = page.get_by_role("button", name="保存走访")
    box = submit.bounding_box()
    assert box["height"] >= 44 and box["width"] <= PHONE["width"]  # a target for a thumb
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("生活状况").fill("独居，屋内取暖靠煤炉，通风不良")
    page.get_by_label("入户走访").first.check()
    page.set_input_files("#id_photos", [photo_file()])
    expect(page.locator("#photo-previews img")).to_have_count(1)
    submit.click()
    page.wait_for_url(f"{base_url}/casework/visits/*/")
    first = Visit.objects.get()
    stored = first.photos.get()
    image = Image.open(io.BytesIO(stored.image()))
    assert image.format == "JPEG" and max(image.size) == 1600  # shrunk on the phone
    assert stored.location() == pytest.approx((WHERE["latitude"], WHERE["longitude"]), abs=1e-4)
    expect(page.locator("img[alt='第 1 张照片']")).to_be_visible()

    # --- a visit made offline, synced exactly once ---------------------------------------
    page.goto(f"{base_url}/casework/visits/new/?person={wuliji.pk}")
    context.set_offline(True)
    page.get_by_label("风险隐患").fill("煤炉取暖，有一氧化碳中毒风险")
    page.get_by_label("入户走访").first.check()
    page.get_by_label("登记需求：服务领域").select_option(label="老年社会工作服务")
    page.get_by_label("紧急程度").select_option(label="紧急")
    page.get_by_label("需求描述").fill("需要更换安全的取暖设备")
    page.get_by_role("button", name="保存走访").click()
    expect(page.locator("#outbox")).to_be_visible()
    expect(page.locator("#outbox-status")).to_contain_text("本机有 1 条走访待上传")
    assert Visit.objects.count() == 1
    context.set_offline(False)  # the browser's online event sends the outbox
    expect(page.locator("#outbox")).to_be_hidden()
    assert Visit.objects.count() == 2
    # Sending again, and opening the form again, change nothing.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden()
    assert Visit.objects.count() == 2
    need = Need.objects.get()
    assert need.description == "需要更换安全的取暖设备" and need.urgency == "urgent"

    # --- a case from the need -------------------------------------------------------------
    page.goto(f"{base_url}/people/{wuliji.pk}/")
    page.locator("#open-needs").get_by_role("link", name="转为个案").click()
    page.get_by_label("承办平台").select_option(label="爱国街道社工站")
    page.get_by_role("button", name="接案").click()
    page.wait_for_url(f"{base_url}/casework/cases/*/")
    case = Case.objects.get()
    assert Need.objects.get().case == case
    status = page.locator("#case-status")
    expect(status).to_have_text("接案")
    page.get_by_label("问题与需求评估").fill("取暖不安全，独居缺少照应")
    page.get_by_role("button", name="完成预估").click()
    expect(status).to_have_text("预估")
    page.get_by_label("服务目标").fill("更换安全取暖设备\n建立邻里守望")
    page.get_by_role("button", name="制定服务计划").click()
    expect(status).to_have_text("计划")
    page.get_by_role("button", name="开始介入").click()
    expect(status).to_have_text("介入")
    page.get_by_label("服务内容").fill("链接慈善资源，为老人更换电暖器")
    page.locator("#next-step").get_by_label("物质救助").check()
    page.get_by_role("button", name="保存服务记录").click()
    expect(page.locator("#service-records")).to_contain_text("更换电暖器")

    # A referral to 和平街道社工站, which accepts it.
    page.get_by_text("转介 / 转移").click()
    page.get_by_label("接收平台").select_option(label="和平街道社工站")
    page.get_by_label("转介理由").fill("需要和平街道的日间照料中心资源")
    page.get_by_role("button", name="提出转介").click()
    expect(page.locator("#referrals")).to_contain_text("待接收")

    log_in(page, base_url, "other_station_worker")
    page.goto(f"{base_url}/casework/referrals/")
    incoming = page.locator("#referred-to-us")
    expect(incoming).to_contain_text("乌力吉")
    incoming.get_by_role("button", name="接收").click()
    expect(page.locator(".messages")).to_contain_text("已处理转介")
    assert Referral.objects.get().status == "accepted"

    # Evaluation and closure, which 乌兰浩特市 has the supervisor approve.
    log_in(page, base_url, "station_worker")
    page.goto(f"{base_url}/casework/cases/{case.pk}/")
    for label in page.get_by_label("已达成").all():
        label.check()
    page.get_by_label("成效评估").fill("取暖设备已更换，邻居每天探望")
    page.get_by_role("button", name="完成评估").click()
    expect(status).to_have_text("评估")
    page.get_by_label("结案原因").select_option(label="目标达成")
    page.get_by_role("button", name="结案").click()
    expect(status).to_have_text("结案待审批")

    log_in(page, base_url, "supervisor")
    page.goto(f"{base_url}/casework/todo/")
    page.locator("#todo-approvals").get_by_role("link", name=case.title).click()
    page.get_by_label("审批意见").fill("服务规范，同意结案")
    page.get_by_role("button", name="批准结案").click()
    expect(status).to_have_text("结案")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closure_approved_by.username == "supervisor"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [
        "open", "assess", "plan", "intervene", "service", "referral_request", "referral_accept",
        "evaluate", "request_closure", "approve_closure", "referral_end",
    ]  # fmt: skip
    assert case.referrals.get().status == "ended"  # the receiving station's part is over

    # --- the person's file, as PDF --------------------------------------------------------
    log_in(page, base_url, "station_worker")
    page.goto(f"{base_url}/people/{wuliji.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出档案 PDF").click()
    pdf = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    for words in ["乌力吉", "入户走访", "需要更换安全的取暖设备", "取暖不安全",
                  "更换电暖器", "和平街道社工站", "取暖设备已更换", "结案"]:  # fmt: skip
        assert words in text, words
    assert text.index("取暖不安全") < text.index("更换电暖器") < text.index("取暖设备已更换")
    assert f"共 {len(pdf.pages)} 页" in text
    assert page_errors == []


def test_logging_out_clears_the_accounts_unsent_visits_from_a_shared_phone(
    browser_world, phone, base_url, page_errors
):
    """A visit the phone could not send waits in its outbox; logging out says so, and only
    if the worker goes on does it leave the phone, and the other account's drafts stay."""
    context, page = phone
    wuliji = browser_world.people["wuliji"]
    log_in(page, base_url, "station_worker")
    page.goto(f"{base_url}/casework/visits/new/?person={wuliji.pk}")
    page.evaluate(
        """() => window.WusheOutbox.put({client_id: "someone-elses", user: "-1", body: {},
                                         label: "他人", saved_at: new Date().toISOString()})"""
    )
    page.route("**/api/v1/visits**", lambda route: route.abort())  # the network is gone
    page.get_by_label("风险隐患").fill("煤炉取暖，有一氧化碳中毒风险")
    page.get_by_label("入户走访").first.check()
    page.get_by_role("button", name="保存走访").click()
    expect(page.locator("#outbox-status")).to_contain_text("本机有 1 条走访待上传")
    mine = "() => window.WusheOutbox.all().then(d => d.map(x => x.user).sort())"
    assert len(page.evaluate(mine)) == 2

    # The confirmation is answered as it opens: a dialog left open blocks the page, and
    # with it the click, which waits for the page to settle.
    logout = page.get_by_role("button", name="退出")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    logout.click()
    for _ in range(200):  # the question comes once the outbox has answered
        if asked:
            break
        page.wait_for_timeout(50)
    assert asked and "本机还有 1 条走访没有上传" in asked[0]  # dismissed: the worker keeps them
    expect(page.locator("#outbox-status")).to_contain_text("本机有 1 条走访待上传")
    assert len(page.evaluate(mine)) == 2 and "/accounts/login/" not in page.url

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        logout.click()
    assert "/accounts/login/" in page.url
    assert page.evaluate(mine) == ["-1"]  # only the other account's draft is left
    assert Visit.objects.count() == 0
    assert page_errors == []

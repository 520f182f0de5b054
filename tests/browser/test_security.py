"""Security stories in a real browser: lockout, idle timeout, password policy, CSP."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from wushe.accounts.models import LoginThrottle
from wushe.audit.models import AuditEvent

pytestmark = pytest.mark.browser


def login_error(page: Page):
    """The form's own error box: the page's footnote mentions 锁定 too, so look only here."""
    return page.locator(".form-errors")


def test_lockout_after_five_failures(browser_world, page, base_url, submit_login):
    # 赵小红 forgets her password and keeps guessing.
    page.goto(f"{base_url}/accounts/login/")
    for _attempt in range(5):
        submit_login("station_worker", "wrong-guess")
    expect(login_error(page)).to_contain_text("锁定")

    # Now she remembers it, but the lock holds even for the right password.
    submit_login("station_worker", PASSWORD)
    expect(login_error(page)).to_contain_text("锁定")
    assert "/accounts/login/" in page.url

    failed = AuditEvent.objects.filter(action="login.failed", object_repr="station_worker")
    locked = AuditEvent.objects.filter(action="login.locked", object_repr="station_worker")
    assert (failed.count(), locked.count()) == (5, 1)
    assert not AuditEvent.objects.filter(action="login.success").exists()

    # The lock runs out.
    LoginThrottle.objects.filter(username="station_worker").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    submit_login("station_worker", PASSWORD)
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，赵小红")


def test_failed_attempts_countdown(browser_world, page, base_url, submit_login):
    page.goto(f"{base_url}/accounts/login/")
    submit_login("station_worker", "wrong-1")
    expect(login_error(page)).to_contain_text("再失败 4 次")
    submit_login("station_worker", "wrong-2")
    expect(login_error(page)).to_contain_text("再失败 3 次")
    expect(login_error(page)).not_to_contain_text("锁定至")


def test_idle_session_timeout(browser_world, page, base_url, log_in, settings):
    settings.SESSION_COOKIE_AGE = 3
    platforms = f"{base_url}/network/platforms/"

    log_in("county_admin")
    page.goto(platforms)
    expect(page.get_by_role("heading", level=1)).to_have_text("服务平台")

    # She steps away from the desk for longer than the idle limit.
    time.sleep(4.5)
    page.goto(platforms)
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/network/platforms/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()

    # Back at work: every request pushes the expiry, so steady use outlasts the limit.
    log_in("county_admin")
    started = time.monotonic()
    while time.monotonic() - started < 5:
        time.sleep(1)
        page.goto(platforms)
        expect(page).to_have_url(platforms)
        expect(page.get_by_role("heading", level=1)).to_have_text("服务平台")
    assert time.monotonic() - started > settings.SESSION_COOKIE_AGE


def change_password(page: Page, old: str, new: str) -> None:
    page.get_by_label("原密码").fill(old)
    page.locator("#id_new_password").fill(new)
    page.get_by_label("再次输入新密码").fill(new)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()


def test_password_policy_in_browser(browser_world, page, base_url, log_in):
    log_in("station_worker")
    page.goto(f"{base_url}/accounts/password/")
    form = page.locator("main form")

    change_password(page, PASSWORD, "short1A")
    expect(form).to_contain_text("此密码太短，至少要包含 8 个字符。")

    change_password(page, PASSWORD, "alllowercase1")
    expect(form).to_contain_text("密码须至少包含小写字母、大写字母、数字、符号中的 3 类。")
    expect(form).not_to_contain_text("此密码太短")

    change_password(page, PASSWORD, "Better-Pass-2026")
    expect(page.locator(".messages")).to_contain_text("密码已修改")

    # The session survived the change; logging out and in again uses the new password.
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    log_in("station_worker", "Better-Pass-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，赵小红")


def test_password_policy_errors_sit_next_to_the_new_password_field(
    browser_world, page, base_url, log_in
):
    log_in("station_worker")
    page.goto(f"{base_url}/accounts/password/")
    change_password(page, PASSWORD, "short1A")
    field = page.locator(".field", has=page.locator("#id_new_password"))
    expect(field.locator(".error")).to_contain_text("此密码太短", timeout=1_000)


def test_no_inline_scripts_and_csp_header(browser_world, page, page_errors, base_url, log_in):
    response = page.goto(f"{base_url}/accounts/login/")
    assert response is not None
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["content-security-policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert page.locator("script:not([src])").count() == 0

    log_in("county_admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")

    page.goto(f"{base_url}/network/platforms/")
    tree = page.locator(".region-tree")
    toggle = tree.locator("[data-tree-toggle]").first
    expect(toggle).to_have_text("▸")  # htmx loaded the tree's first level
    toggle.click()
    expect(tree.get_by_role("link", name="爱国街道")).to_be_visible()
    assert page.locator("script:not([src])").count() == 0

    page.get_by_role("link", name="爱国街道社工站").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("爱国街道社工站")
    page.wait_for_load_state("networkidle")
    assert page_errors == []

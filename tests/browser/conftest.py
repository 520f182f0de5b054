"""Fixtures for the browser tests: one Chromium for the package, a fresh context per test,
the test world in a live server's database, and logging in through the real form."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from tests.conftest import PASSWORD, World, build_world

CHROMIUM = os.environ.get("WUSHE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
# Where the layout tests leave screenshots for a person to look at.
SCREENSHOTS = Path(os.environ.get("WUSHE_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for all browser tests.

    Package-scoped rather than session-scoped: Playwright's sync API keeps an asyncio loop
    running on the main thread while it is started, and Django refuses ORM calls and
    async_to_sync on a thread with a running loop, so the loop must be gone before the rest
    of the suite runs.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The test body's ORM calls run beside Playwright's loop, not inside async code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_world(transactional_db) -> World:
    """The shared test world, committed so the live server's thread can see it."""
    return build_world()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test: no cookies or storage leak from one story to the next."""
    ctx = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Console errors, uncaught exceptions and CSP violations seen by `page`."""
    return []


@pytest.fixture
def page(context: BrowserContext, page_errors: list[str]) -> Page:
    page = context.new_page()
    page.on(
        "console",
        lambda msg: page_errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: page_errors.append(f"pageerror: {exc}"))
    # The browser reports CSP violations as DOM events too; the console alone could miss
    # report-only ones.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page


@pytest.fixture
def submit_login(page: Page, base_url: str) -> Callable[[str, str], Response | None]:
    """Fill in and submit the login form; returns the response to the POST."""

    def _submit(username: str, password: str) -> Response | None:
        if "/accounts/login/" not in page.url:
            page.goto(f"{base_url}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="登录").click()
        return navigation.value

    return _submit


@pytest.fixture
def log_in(page: Page, base_url: str, submit_login) -> Callable[..., None]:
    """Log in as a persona through the real form and check the login page is left behind."""

    def _log_in(username: str, password: str = PASSWORD) -> None:
        page.goto(f"{base_url}/accounts/login/")
        submit_login(username, password)
        assert "/accounts/login/" not in page.url, page.locator("main").inner_text()

    return _log_in

"""Chinese first, English when the user chooses it; dates as Chinese users write them."""

import datetime as dt

import pytest
from django.utils import formats, translation

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_even_for_an_english_browser(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in body and '<html lang="zh-hans">' in body


def test_choosing_english_switches_the_interface(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body and "Sign in" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_dates_read_as_chinese_users_expect():
    with translation.override("zh-hans"):
        assert formats.date_format(dt.date(2026, 11, 22)) == "2026年11月22日"


def test_every_message_has_an_english_translation():
    import polib
    from django.conf import settings

    catalog = polib.pofile(str(settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalog if not e.translated() and not e.obsolete]
    assert missing == []
    compiled = polib.mofile(str(settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.mo"))
    assert {e.msgid for e in compiled} >= {e.msgid for e in catalog if not e.obsolete}

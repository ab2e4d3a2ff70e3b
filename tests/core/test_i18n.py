"""The English UI: the catalogue is complete, and the language follows the cookie / set-language view.

Chinese (zh-hans) is the source language and the default; English comes from
locale/en/LC_MESSAGES/django.po, compiled to .mo at set-up (scripts/compile_messages.py).
See docs/i18n.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import reloader

from orgs.choices import Role
from orgs.models import RoleAssignment, User

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
# The module apps keep their own catalogues (scripts/messages.py); each must be as complete.
APP_POS = sorted(ROOT.glob("*/locale/en/LC_MESSAGES/django.po"))
CATALOGUES = sorted([*ROOT.glob("locale/*/LC_MESSAGES/*.po"), *ROOT.glob("*/locale/*/LC_MESSAGES/*.po")])
PASSWORD = "Tongxin@2026"

# Han ideographs plus CJK / full-width punctuation (，。：“”（）) — none belongs in the English UI.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
# The language picker names each language in itself ("简体中文", "English") on purpose.
LANGUAGE_PICKER = re.compile(r'<form[^>]*data-testid="language-form".*?</form>', re.S)
CURRENT_USER = re.compile(r'<span[^>]*data-testid="current-user">.*?</span>', re.S)
NAV = re.compile(r"<nav\b.*?</nav>", re.S)


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogue():
    """Compile a .po whose .mo is missing or older (the set-up normally did it: scripts/compile_messages.py).

    Written to a temporary file and renamed, so parallel workers never read a half-written .mo.
    """
    for po_path in CATALOGUES:
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        polib.pofile(str(po_path)).save_as_mofile(str(tmp))
        os.replace(tmp, mo_path)
        # Drop translations this process may already have loaded from the old .mo.
        reloader.translation_file_changed(sender=None, file_path=mo_path)


def visible(html: str) -> str:
    """The page without the language picker (its option names are meant to stay native)."""
    return LANGUAGE_PICKER.sub("", html)


def nav_of(html: str) -> str:
    match = NAV.search(html)
    assert match, "page has no <nav>"
    return CURRENT_USER.sub("", visible(match.group(0)))


@pytest.fixture
def officer(db, make_unit_tree) -> User:
    tree = make_unit_tree()
    user = User.objects.create_user("EN0001", "王干事", PASSWORD, home_unit=tree.mine)
    RoleAssignment.objects.create(user=user, unit=tree.mine, role=Role.EMPLOYEE)
    RoleAssignment.objects.create(user=user, unit=tree.mine, role=Role.PETITION_OFFICER)
    return user


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PO, *APP_POS], ids=lambda p: str(p.relative_to(ROOT)))
def test_english_catalogue_is_complete_and_clean(path):
    po = polib.pofile(str(path))

    assert len(po) > (500 if path == PO else 0)
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy
    assert po.obsolete_entries() == []
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    for entry in po.translated_entries():
        outputs = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for out in outputs:
            assert sorted(PLACEHOLDER.findall(out)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid
            assert not CJK.search(out), f"{entry.msgid!r} → {out!r}"


def test_plural_entries_have_both_forms():
    plurals = [e for path in [PO, *APP_POS] for e in polib.pofile(str(path)) if e.msgid_plural]

    assert plurals
    for entry in plurals:
        assert set(entry.msgstr_plural) == {0, 1}
        assert all(entry.msgstr_plural.values()), entry.msgid


# --- which language a request gets --------------------------------------------------------


@pytest.mark.django_db
def test_default_is_chinese_without_cookie_or_accept_language(client):
    response = client.get("/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "工号或手机号" in html
    assert "凭查询码查询匿名信访" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_in_english_with_language_cookie(client):
    response = english(client).get("/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "<title>Log in · Tongxin Petition and Party Work Platform</title>" in html
    assert "Employee no. or mobile" in html
    assert "Password" in html
    assert "Track an anonymous petition" in html
    assert CJK.findall(visible(html)) == []


@pytest.mark.django_db
def test_browser_language_english_is_honoured_without_cookie(client):
    html = client.get("/login/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()

    assert '<html lang="en">' in html
    assert "Log in" in html


@pytest.mark.django_db
def test_home_page_of_logged_in_user_in_english(client, officer):
    english(client).force_login(officer)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    nav = nav_of(html)
    for label in ("Tongxin", "Home", "Submit a petition", "My petitions", "Petition desk", "Organization"):
        assert f"> {label}</a>" in nav, label
    assert "Log out" in nav
    assert CJK.findall(nav) == []
    # The page body: counters, role names and the footer are English too.
    assert "Hello, 王干事" in html
    assert "Open petitions" in html
    assert "Awaiting acceptance" in html
    assert "My roles" in html
    assert "Petition officer ·" in html
    assert "Tongxin · Lawful rights, orderly petitions" in html


@pytest.mark.django_db
def test_home_page_of_logged_in_user_in_chinese_by_default(client, officer):
    client.force_login(officer)

    nav = nav_of(client.get("/").content.decode())

    assert "> 我的信访</a>" in nav
    assert "> 信访工作台</a>" in nav
    assert "My petitions" not in nav


@pytest.mark.django_db
def test_choice_labels_and_form_labels_in_english(client, officer):
    english(client).force_login(officer)

    html = client.get("/xf/submit/").content.decode()

    assert "Named or anonymous" in html
    assert "Wages and pay" in html  # petitions.choices.Category label (gettext_lazy)
    assert "Accusation" in html  # petitions.choices.PetitionType label
    assert "工资薪酬" not in html


@pytest.mark.django_db
def test_set_language_view_switches_to_english_and_back(client, officer):
    client.force_login(officer)
    assert "> 我的信访</a>" in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    nav = nav_of(client.get("/").content.decode())
    assert "> My petitions</a>" in nav
    assert CJK.findall(nav) == []

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "> 我的信访</a>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_set_language_view_works_before_login(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [("/login/", 302)]
    assert '<html lang="en">' in html
    assert CJK.findall(visible(html)) == []


@pytest.mark.django_db
def test_language_not_offered_falls_back_to_chinese(client):
    # Django knows French, so set_language stores it; LANGUAGES does not offer it.
    client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})

    html = client.get("/login/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert "工号或手机号" in html

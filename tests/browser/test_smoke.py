"""Smoke test in a real browser: log in, home page in Chinese, switch to English, log out.

Run at a phone's width (375 px, the menu sits in an offcanvas behind the toggler) and at a
desktop's. A screenshot of the Chinese home page per viewport goes to test-artifacts/.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from orgs.choices import Role

pytestmark = pytest.mark.browser

TX_RED = "rgb(183, 28, 28)"  # #b71c1c, --tx-red in static/css/tongxin.css


def open_menu_if_collapsed(page: Page, *, phone: bool) -> None:
    """On a phone the navigation, language select and logout live in the offcanvas menu."""
    toggler = page.locator(".navbar-toggler")
    if not phone:
        expect(toggler).to_be_hidden()
        return
    expect(page.locator("[data-testid=logout]")).to_be_hidden()
    toggler.click()
    expect(page.locator("#tx-nav")).to_have_class("offcanvas offcanvas-end tx-offcanvas show")
    expect(page.locator("[data-testid=logout]")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [(375, 740), (1280, 800)], ids=["phone", "desktop"])
def test_login_language_switch_and_logout(
    live_server, new_tab, artifacts_dir, make_unit_tree, make_person, default_password, width, height
):
    tree = make_unit_tree()
    make_person(tree.mine, Role.PETITION_OFFICER, name="王晓红", employee_no="X1001")
    phone = width < 992  # Bootstrap's lg breakpoint (navbar-expand-lg)
    tab = new_tab(width, height)
    page = tab.page

    # Log in with the employee number.
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#id_username", "X1001")
    page.fill("#id_password", default_password)
    page.click("[data-testid=login-submit]")

    # The home page, in Chinese, styled by Bootstrap and tongxin.css.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("[data-testid=home-title]")).to_contain_text("您好，王晓红")
    navbar = page.locator("nav.navbar")
    assert navbar.evaluate("el => getComputedStyle(el).backgroundColor") == TX_RED
    assert navbar.evaluate("el => getComputedStyle(el).display") == "flex"  # Bootstrap's .navbar
    assert page.evaluate("() => document.fonts.check('16px bootstrap-icons')")
    assert page.evaluate("() => typeof window.bootstrap === 'object' && typeof window.htmx === 'object'")
    page.screenshot(path=str(artifacts_dir / f"smoke-home-{width}x{height}.png"), full_page=True)

    # Switch to English with the language select.
    open_menu_if_collapsed(page, phone=phone)
    if phone:
        page.screenshot(path=str(artifacts_dir / f"smoke-menu-{width}x{height}.png"))
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=language-select]")).to_have_value("en")
    expect(page.locator("[data-testid=home-title]")).to_have_text("Hello, 王晓红")
    expect(page.locator("[data-testid=logout]")).to_have_text("Log out")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[settings.LANGUAGE_COOKIE_NAME] == "en"

    # Log out; the login page stays in English and the home page needs a login again.
    open_menu_if_collapsed(page, phone=phone)
    page.click("[data-testid=logout]")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    assert "sessionid" not in {c["name"] for c in page.context.cookies()}

    assert tab.script_errors == []
    assert tab.missing_static == []

"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API: the fixtures of
every browser test (tests/browser and the modules' test_browser.py files), registered once in
tests/conftest.py so that one Playwright instance serves the whole session (a second one would
start a second asyncio loop on the main thread, which Playwright refuses).

Playwright's own browser downloads are never used (the machines are offline): the
browser is the system one, installed by ./dev test. Pages are served by pytest-django's
``live_server``, which also serves /static/ from the finders (StaticFilesHandler).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Response, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running on the main thread, where the tests
    # also use the ORM; Django would refuse that as "async unsafe" (it reads this variable at each
    # call). Set only once a browser test starts: the browser tests run in a pytest process of
    # their own (./dev test), so the other tests keep Django's check.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: ./dev test installs it (apt-get install chromium fonts-noto-cjk)"
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Screenshots go to test-artifacts/ (git-ignored; CI may keep it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class Tab:
    """A page plus what went wrong on it: uncaught script errors and static files not served."""

    page: Page
    script_errors: list[str] = field(default_factory=list)
    missing_static: list[str] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.missing_static.append(f"{response.status} {response.url}")


@pytest.fixture
def new_tab(browser: Browser) -> Iterator[Callable[[int, int], Tab]]:
    """``new_tab(width, height)``: a page in a fresh context (no cookies) of that viewport."""
    contexts: list[BrowserContext] = []

    def make(width: int, height: int) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        tab = Tab(page=context.new_page())
        tab.page.set_default_timeout(15_000)
        tab.page.on("pageerror", lambda error: tab.script_errors.append(str(error)))
        tab.page.on("response", tab.on_response)
        return tab

    yield make
    for context in contexts:
        context.close()

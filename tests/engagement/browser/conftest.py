"""The browser fixtures of tests/browser (system Chromium driven by Playwright), for the
engagement journeys."""

from tests.browser.conftest import artifacts_dir, browser, new_tab, playwright  # noqa: F401

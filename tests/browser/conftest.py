"""The browser fixtures (playwright, browser, new_tab, artifacts_dir) live in tests/browser_support.py
and are registered once for the whole session in tests/conftest.py."""

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, Tab  # noqa: F401 — for the tests' imports

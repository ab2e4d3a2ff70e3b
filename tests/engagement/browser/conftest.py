"""The browser fixtures come from tests/conftest.py (tests/browser_support.py), one Playwright for the session."""

"""Chinese text triage (issue #5)."""

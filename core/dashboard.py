"""What the home page shows each person: their roles and the entry points they use."""

from __future__ import annotations


def home_context(user) -> dict:
    assignments = sorted(user.role_assignments(), key=lambda ra: (ra.unit.path, ra.role))
    return {"assignments": assignments}

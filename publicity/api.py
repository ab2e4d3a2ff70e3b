"""REST endpoints under /api/v1/publicity/ (mounted in petitions/api/main.py, one OpenAPI schema)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["宣传思想工作"])

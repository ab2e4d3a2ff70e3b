"""REST endpoints under /api/v1/party/ (mounted in petitions/api/main.py, one OpenAPI schema)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["党组织建设"])

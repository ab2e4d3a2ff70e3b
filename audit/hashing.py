"""Canonical hashing of event rows for the tamper-evident chains (pure, no ORM)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> bytes:
    def default(value: Any) -> str:
        if isinstance(value, datetime):
            # Databases hand datetimes back in UTC: hash the instant, not its zone.
            return value.astimezone(UTC).isoformat()
        return str(value)

    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default).encode()


def chain_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + canonical(payload)).hexdigest()

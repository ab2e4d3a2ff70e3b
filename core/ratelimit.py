"""A fixed-window counter per client address in the shared cache (Redis in production),
so every web worker counts the same tries."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from core.net import client_ip


def hit(scope: str, request: HttpRequest, *, limit: int, window_seconds: int) -> bool:
    """Count one try of ``scope`` from this client; False once it made more than ``limit``."""
    key = f"ratelimit:{scope}:{client_ip(request)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit

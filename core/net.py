"""The client's network address, the same way everywhere (lockout, rate limits, audit)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

MAX_ADDRESS_LENGTH = 64


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, behind ``API_TRUSTED_PROXIES`` reverse proxies, the address the
    outermost trusted proxy saw: X-Forwarded-For read from the right.

    Only the entries the trusted proxies appended count; anything a client wrote into the
    header itself sits further left and is ignored, so a client cannot pick its address.
    Without the setting every client behind a proxy would share the proxy's address."""
    proxies = int(getattr(settings, "API_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:MAX_ADDRESS_LENGTH]
    return (request.META.get("REMOTE_ADDR", "") or "unknown")[:MAX_ADDRESS_LENGTH]

"""SMS gateway behind a small interface; the backend is chosen by settings.SMS_BACKEND."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LocmemSmsBackend:
    """Test double and embedded default: keeps messages in memory (like Django's locmem mail)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((phone, text))


class HttpSmsBackend:
    """A plain HTTP gateway (most Chinese SMS providers offer one): POST phone and text as JSON.

    Configure SMS_HTTP_URL and SMS_HTTP_TOKEN. Kept deliberately small; a provider SDK can
    replace it by implementing ``send``.
    """

    def send(self, phone: str, text: str) -> None:
        import json
        import os
        import urllib.request

        url = os.environ["SMS_HTTP_URL"]
        if not url.startswith(("https://", "http://")):
            raise RuntimeError("SMS_HTTP_URL must be an http(s) URL")
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            url,
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {os.environ.get('SMS_HTTP_TOKEN', '')}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 - scheme checked above
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()

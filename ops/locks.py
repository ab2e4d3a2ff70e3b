"""Periodic work that two nodes may start at once: one runs, the other skips.

On PostgreSQL a session advisory lock (released by the server if the worker dies, so a
killed node never leaves a stale lock); elsewhere an expiring cache key (Redis in production).
The work itself stays idempotent (unique keys, compare-and-set): the lock only saves the
second node the effort, and ``claim_period`` makes once-per-period jobs run once.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from ops.models import PeriodicClaim

logger = logging.getLogger(__name__)


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"tongxin:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def single_run(name: str, ttl_seconds: int = 3600) -> Iterator[bool]:
    """``with single_run("sweep") as mine: if mine: ...`` — False when another run holds it."""
    if name in _held:  # PostgreSQL's advisory locks are re-entrant within one session
        yield False
        return
    _held.add(name)
    try:
        with _acquire(name, ttl_seconds) as mine:
            yield mine
    finally:
        _held.discard(name)


_held: set[str] = set()


@contextmanager
def _acquire(name: str, ttl_seconds: int) -> Iterator[bool]:
    if connection.vendor == "postgresql":
        key = _lock_id(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            mine = bool(cursor.fetchone()[0])
        try:
            yield mine
        finally:
            if mine:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    token = uuid.uuid4().hex
    cache_key = f"ops:lock:{name}"
    mine = cache.add(cache_key, token, ttl_seconds)
    try:
        yield mine
    finally:
        if mine and cache.get(cache_key) == token:
            cache.delete(cache_key)


def claim_period(key: str) -> bool:
    """True for the first caller of this period key, False for every later one."""
    try:
        with transaction.atomic():
            PeriodicClaim.objects.create(key=key[:120], hostname=socket.gethostname()[:200])
    except IntegrityError:
        logger.info("periodic work %s already claimed", key)
        return False
    return True


def release_period(key: str) -> None:
    """Give the period back when its work failed, so that the retry runs it."""
    PeriodicClaim.objects.filter(key=key[:120]).delete()

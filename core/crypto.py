"""Authenticated encryption of sensitive fields at rest (Fernet: AES-CBC + HMAC-SHA256).

Keys come from FIELD_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so a key
can be rotated by putting the new one first and re-encrypting (see docs/security.md).

Every encrypted column is registered here (``register_encrypted_fields`` in the owning app's
``AppConfig.ready``) so that ``manage.py rotate_encryption_key`` re-encrypts all of them.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# "app_label.ModelName" → names of the fields holding ciphertext (see register_encrypted_fields).
ENCRYPTED_FIELDS: dict[str, tuple[str, ...]] = {}


def register_encrypted_fields(model_label: str, *fields: str) -> None:
    """Declare columns encrypted with ``encrypt`` (called from an AppConfig.ready)."""
    known = ENCRYPTED_FIELDS.get(model_label, ())
    ENCRYPTED_FIELDS[model_label] = known + tuple(f for f in fields if f not in known)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("加密数据无法解密：密钥不匹配或数据被篡改") from exc


def reencrypt(token: str) -> str:
    """The same value under the current first key (MultiFernet.rotate)."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    """Encrypted under the first (current) key: nothing to rotate."""
    if not token:
        return True
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    try:
        _fernet(keys[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def unregistered_encrypted_fields() -> list[str]:
    """Fields named like ciphertext (``*_enc``) that no app registered: rotation would miss them."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        registered = ENCRYPTED_FIELDS.get(model._meta.label, ())
        for f in model._meta.concrete_fields:
            if f.name.endswith("_enc") and f.name not in registered:
                found.append(f"{model._meta.label}.{f.name}")
    return found


def reencrypt_registered(*, batch_size: int = 500) -> dict[str, dict[str, int]]:
    """Re-encrypt every registered column under the current key, batch by batch.

    Each batch is one transaction with its rows locked; a value already under the current key
    is left alone, so the command can be re-run after an interruption and a second run changes
    nothing. Returns, per model, rows read, values re-encrypted and values already current.
    """
    from django.apps import apps
    from django.db import transaction

    report: dict[str, dict[str, int]] = {}
    for label, fields in ENCRYPTED_FIELDS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        counts = {"rows": 0, "rotated": 0, "current": 0}
        last_pk = None
        while True:
            with transaction.atomic():
                qs = model._default_manager.select_for_update().only("pk", *fields).order_by("pk")
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                batch = list(qs[:batch_size])
                for obj in batch:
                    changes = {}
                    for name in fields:
                        token = getattr(obj, name)
                        if not token:
                            continue
                        if is_current(token):
                            counts["current"] += 1
                            continue
                        try:
                            changes[name] = reencrypt(token)
                        except InvalidToken as exc:
                            raise RuntimeError(
                                f"{label} #{obj.pk} 的 {name} 无法用任何已配置的密钥解密：缺少旧密钥或数据被篡改"
                            ) from exc
                    if changes:
                        model._default_manager.filter(pk=obj.pk).update(**changes)
                        counts["rotated"] += len(changes)
                counts["rows"] += len(batch)
            if len(batch) < batch_size:
                break
            last_pk = batch[-1].pk
        report[label] = counts
    return report

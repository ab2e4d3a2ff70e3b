"""Encryption at rest and masking of petitioners' identities (DESIGN §4).

Fernet (AES-128-CBC + HMAC-SHA256, authenticated) from the `cryptography` package; keys come
from FIELD_ENCRYPTION_KEYS (first key encrypts, all keys decrypt, so keys can be rotated).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


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
        raise RuntimeError("身份信息无法解密：密钥不匹配或数据被篡改") from exc


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_id_number(number: str) -> str:
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_address(address: str) -> str:
    return address[:6] + "…" if len(address) > 6 else address


@dataclass
class Identity:
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""
    employee_no: str = ""
    representatives: list[str] = field(default_factory=list)

    def masked(self) -> dict[str, str]:
        return {
            "name": mask_name(self.name),
            "phone": mask_phone(self.phone),
            "id_number": mask_id_number(self.id_number),
            "address": mask_address(self.address),
            "employee_no": self.employee_no[:2] + "***" if self.employee_no else "",
            "representatives": "、".join(mask_name(n) for n in self.representatives),
        }


def seal(identity: Identity) -> dict[str, str]:
    """Field values for PetitionerIdentity."""
    return {
        "name_enc": encrypt(identity.name),
        "phone_enc": encrypt(identity.phone),
        "id_number_enc": encrypt(identity.id_number),
        "address_enc": encrypt(identity.address),
        "employee_no_enc": encrypt(identity.employee_no),
        "representatives_enc": encrypt(json.dumps(identity.representatives, ensure_ascii=False))
        if identity.representatives
        else "",
    }


def unseal(row) -> Identity:
    reps = decrypt(row.representatives_enc)
    return Identity(
        name=decrypt(row.name_enc),
        phone=decrypt(row.phone_enc),
        id_number=decrypt(row.id_number_enc),
        address=decrypt(row.address_enc),
        employee_no=decrypt(row.employee_no_enc),
        representatives=json.loads(reps) if reps else [],
    )

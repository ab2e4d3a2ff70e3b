"""Encryption at rest and masking of petitioners' identities (DESIGN §4).

Encryption is core.crypto (Fernet, keys from FIELD_ENCRYPTION_KEYS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.crypto import decrypt, encrypt


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

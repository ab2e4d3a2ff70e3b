"""rotate_encryption_key: with FIELD_ENCRYPTION_KEYS="NEW,OLD" every encrypted column is
re-encrypted under NEW; afterwards NEW alone decrypts everything; a re-run changes nothing."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import TOTPDevice
from audit.models import AuditEvent
from core.crypto import ENCRYPTED_FIELDS, decrypt, encrypt, unregistered_encrypted_fields
from petitions.choices import Channel
from petitions.identity import Identity, unseal
from petitions.intake import PetitionDraft, petition_register
from petitions.models import PetitionerIdentity
from tests.petitions.conftest import submit

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
SECRET = "JBSWY3DPEHPK3PXP"
IDENTITY_FIELDS = ENCRYPTED_FIELDS["petitions.PetitionerIdentity"]


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_encryption_key", *args, stdout=out)
    return out.getvalue()


def ciphertexts() -> dict:
    rows = {f"identity#{r.pk}": [getattr(r, f) for f in IDENTITY_FIELDS] for r in PetitionerIdentity.objects.all()}
    rows.update({f"totp#{d.pk}": [d.secret] for d in TOTPDevice.objects.all()})
    return rows


@pytest.fixture
def under_old(world, settings):
    """Two identities and a TOTP secret encrypted under OLD only."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    submit(world, now=timezone.now())  # the employee's own account: name, employee number
    petition_register(
        officer=world.officer, now=timezone.now(),
        draft=PetitionDraft(
            title="来访反映采空区房屋开裂", content="村民集体来访，反映采空区房屋开裂，要求鉴定赔偿。",
            category="land_subsidence", unit=world.mine, channel=Channel.VISIT, people_count=3,
            identity=Identity(name="欧阳小明", phone="13812341234", id_number="140202199001011234",
                              address="大同市云冈区口泉乡", representatives=["张三", "李四"]),
        ),
    )
    TOTPDevice.objects.create(user=world.officer, secret=encrypt(SECRET), created_at=timezone.now())
    return ciphertexts()


def test_every_encrypted_column_is_registered():
    assert unregistered_encrypted_fields() == []
    assert set(IDENTITY_FIELDS) == {f.name for f in PetitionerIdentity._meta.fields if f.name.endswith("_enc")}
    assert ENCRYPTED_FIELDS["accounts.TOTPDevice"] == ("secret",)


def test_rotation_reencrypts_everything_under_the_new_key(under_old, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    out = rotate("--batch-size", "1")
    assert "petitions.PetitionerIdentity：2 行，重新加密 7 个值" in out  # 2 + 5 non-empty values
    assert "accounts.TOTPDevice：1 行，重新加密 1 个值" in out
    after = ciphertexts()
    for key, before in under_old.items():
        for old_token, new_token in zip(before, after[key], strict=True):
            if old_token:
                assert new_token != old_token
                with pytest.raises(InvalidToken):
                    Fernet(OLD.encode()).decrypt(new_token.encode())
    # The old key can go.
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    visit = PetitionerIdentity.objects.get(petition__channel=Channel.VISIT)
    assert unseal(visit) == Identity(name="欧阳小明", phone="13812341234", id_number="140202199001011234",
                                     address="大同市云冈区口泉乡", representatives=["张三", "李四"])
    assert unseal(PetitionerIdentity.objects.get(petition__channel=Channel.ONLINE)).name == "王建国"
    assert decrypt(TOTPDevice.objects.get().secret) == SECRET
    event = AuditEvent.objects.get(action="crypto.rotate")
    assert event.data["rotated"] == 8 and event.user_agent == "manage.py rotate_encryption_key"
    assert OLD not in str(event.data) and NEW not in str(event.data)


def test_a_second_run_changes_nothing(under_old, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    once = ciphertexts()
    out = rotate()
    assert "完成：共重新加密 0 个值" in out and "7 个已是新密钥" in out
    assert ciphertexts() == once


def test_without_the_old_key_nothing_is_changed_and_the_row_is_named(under_old, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="无法用任何已配置的密钥解密"):
        rotate()
    assert ciphertexts() == under_old
    assert not AuditEvent.objects.filter(action="crypto.rotate").exists()

"""Intake: numbering, attachments judged by their content, anonymous receipts, collective
visits, repeats of a final matter, who may register, and the petitioner's identity at rest."""

from __future__ import annotations

import io
import random
import re
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from PIL import Image

from core.errors import InvalidInput, NotAllowed
from petitions.choices import Category, Channel, Flag, ReplyOutcome, ReviewOutcome, RiskLevel, State
from petitions.identity import Identity, unseal
from petitions.intake import PetitionDraft, find_by_receipt, petition_register, petition_submit
from petitions.models import Attachment, NumberSequence, Petition, PetitionerIdentity, PetitionEvent
from petitions.workflow import (
    petition_accept,
    petition_assign,
    petition_decide_rereview,
    petition_decide_review,
    petition_reply,
    petition_request_rereview,
    petition_request_review,
)
from tests.petitions.conftest import A, at, submit
from tongxin.lib.periods import SHANGHAI

CONTENT = "我是综采一队职工，十月份绩效工资比上月少发了八百元，队里没有任何说明，请求核实补发。"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_written(media_root: Path) -> None:
    assert not Petition.objects.exists()
    assert not PetitionEvent.objects.exists()
    assert not Attachment.objects.exists()
    assert not PetitionerIdentity.objects.exists()
    assert not NumberSequence.objects.filter(last__gt=0).exists()
    assert stored_files(media_root) == []


# --- real files -----------------------------------------------------------------------------------


def png_bytes(size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def noisy_png_bytes() -> bytes:
    """A PNG that does not compress: several kilobytes."""
    out = io.BytesIO()
    Image.frombytes("L", (64, 64), random.Random(7).randbytes(64 * 64)).save(out, "PNG")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("工资条：十月绩效 1200 元，九月绩效 2000 元。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is not trusted; send a misleading one on purpose.
    return SimpleUploadedFile(name, data, content_type=content_type)


def draft(world, **kw) -> PetitionDraft:
    return PetitionDraft(
        title=kw.pop("title", "综采一队十月绩效工资少发"), content=kw.pop("content", CONTENT),
        category=kw.pop("category", Category.WAGES), unit=kw.pop("unit", world.mine), **kw,
    )


# --- numbering ------------------------------------------------------------------------------------


def test_numbers_are_sequential_per_year_and_restart_in_a_new_year(world):
    def number(now: datetime) -> str:
        return submit(world, now=now).petition.number

    new_years_eve = datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI)  # still 15:30 UTC of the same day
    assert number(new_years_eve) == "XF-2025-000001"
    assert number(new_years_eve) == "XF-2025-000002"
    new_year = datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI)  # 16:30 UTC on 12-31, but 2026 in Shanghai
    assert number(new_year) == "XF-2026-000001"
    assert number(new_year) == "XF-2026-000002"
    with pytest.raises(InvalidInput):
        submit(world, now=new_year, title="x")  # a refused submission consumes no number
    assert number(at(2026, 3, 5)) == "XF-2026-000003"
    assert all(re.fullmatch(r"XF-\d{4}-\d{6}", n) for n in Petition.objects.values_list("number", flat=True))


# --- attachments ----------------------------------------------------------------------------------


def test_real_images_pdfs_and_word_documents_are_stored(world, media):
    files = [
        ("裂缝照片.png", png_bytes(), "image/png"),
        ("工资条.pdf", PDF, "application/pdf"),
        ("情况说明.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]
    result = petition_submit(petitioner=world.employee, draft=draft(world),
                             uploads=[upload(n, d) for n, d, _ in files], now=at(2025, 9, 15))
    p = result.petition
    attachments = list(p.attachments.order_by("pk"))
    assert [(a.original_name, a.content_type, a.size) for a in attachments] == [
        (name, mime, len(data)) for name, data, mime in files
    ]
    for attachment, (_name, data, _mime) in zip(attachments, files, strict=True):
        assert attachment.uploaded_by == world.employee and attachment.by_petitioner
        path = Path(attachment.file.path)
        assert path.is_relative_to(media) and path.read_bytes() == data
        assert path.suffix == ""  # stored under a random name: the client's name is not a path
    assert len(stored_files(media)) == 3
    registered = p.events.get(kind="registered")
    assert registered.data["attachments"] == [a.pk for a in attachments]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("照片.jpg", EXE, "file_type_not_allowed"),  # a program renamed as a photo
        ("工资条.pdf", png_bytes(), "file_type_mismatch"),  # an image named .pdf
        ("空白.png", b"", "empty_file"),
        ("压缩包.zip", b"PK\x03\x04" + b"\x00" * 60, "file_type_not_allowed"),
        ("说明.txt", "纯文本说明".encode(), "file_type_not_allowed"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(world, media, name, data, code):
    good = upload("裂缝照片.png", png_bytes())
    with pytest.raises(InvalidInput) as refused:
        petition_submit(petitioner=world.employee, draft=draft(world), uploads=[good, upload(name, data, "image/jpeg")],
                        now=at(2025, 9, 15))
    assert refused.value.code == code
    assert name in refused.value.message
    nothing_written(media)  # not even the good photo


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(world, media, settings):
    settings.MAX_UPLOAD_BYTES = 2048
    big = noisy_png_bytes()
    assert len(big) > 2048
    with pytest.raises(InvalidInput) as refused:
        petition_submit(petitioner=world.employee, draft=draft(world), uploads=[upload("大图.png", big)],
                        now=at(2025, 9, 15))
    assert refused.value.code == "file_too_large"
    nothing_written(media)
    # Just under the limit passes.
    small = png_bytes(8)
    assert len(small) <= 2048
    petition_submit(petitioner=world.employee, draft=draft(world), uploads=[upload("小图.png", small)],
                    now=at(2025, 9, 15))
    assert len(stored_files(media)) == 1


def test_an_officer_registering_a_letter_uploads_the_scans(world, media):
    d = draft(world, channel=Channel.LETTER, identity=Identity(name="王建国", address="大同市云冈区"))
    p = petition_register(officer=world.officer, draft=d, uploads=[upload("来信扫描.pdf", PDF)],
                          now=at(2025, 9, 15)).petition
    attachment = p.attachments.get()
    assert attachment.uploaded_by == world.officer and not attachment.by_petitioner


# --- anonymous submissions ----------------------------------------------------------------------


def test_an_anonymous_receipt_code_is_stored_only_as_an_argon2_hash(world):
    result = submit(world, now=at(2025, 9, 15), anonymous=True)
    code, p = result.receipt_code, result.petition
    assert re.fullmatch(r"\d{16}", code)
    row = Petition.objects.values().get(pk=p.pk)
    assert row["is_anonymous"] and row["petitioner_id"] is None
    assert row["receipt_hash"].startswith("$argon2id$")
    assert row["receipt_lookup"] == code[:6]  # only the 6 lookup digits, to find the row
    for column, value in row.items():
        assert code not in str(value), column
    for event in p.events.all():
        assert code not in event.note and code not in str(event.data)
        assert event.actor is None  # the account behind an anonymous submission is recorded nowhere
    assert not PetitionerIdentity.objects.filter(petition=p).exists()

    assert find_by_receipt(code) == p
    assert find_by_receipt(f"{code[:4]} {code[4:8]}-{code[8:12]} {code[12:]}") == p  # as people type it
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert find_by_receipt(wrong) is None
    assert find_by_receipt(code[:15]) is None
    assert find_by_receipt("") is None


def test_a_named_submission_has_no_receipt_code(world):
    result = submit(world, now=at(2025, 9, 15))
    assert result.receipt_code is None
    assert result.petition.receipt_hash == "" and result.petition.receipt_lookup == ""
    assert result.petition.petitioner == world.employee


# --- collective visits (第二十条第三款) ----------------------------------------------------------------


def visit(world, *, people: int, representatives: int) -> PetitionDraft:
    names = ["张建军", "李红梅", "王志刚", "赵秀兰", "刘国庆", "陈永胜"][:representatives]
    return draft(world, channel=Channel.VISIT, people_count=people, title="采空区搬迁补偿集体走访",
                 content="塔山矿采空区上方八户村民集体来访，反映房屋开裂，要求尽快落实搬迁补偿。",
                 category=Category.LAND_SUBSIDENCE, identity=Identity(name=names[0] if names else "张建军",
                                                                       representatives=names))


def test_a_visit_with_more_than_five_representatives_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        petition_register(officer=world.officer, draft=visit(world, people=8, representatives=6), now=at(2025, 9, 15))
    assert refused.value.code == "invalid_petition"
    assert "不超过5人" in refused.value.message and "第二十条" in refused.value.message
    assert not Petition.objects.exists()


def test_a_visit_of_eight_without_representatives_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        petition_register(officer=world.officer, draft=visit(world, people=8, representatives=0), now=at(2025, 9, 15))
    assert refused.value.code == "representatives_required"
    assert not Petition.objects.exists()


def test_a_visit_of_eight_with_five_representatives_is_collective_and_medium_risk(world):
    p = petition_register(officer=world.officer, draft=visit(world, people=8, representatives=5),
                          now=at(2025, 9, 15)).petition
    assert p.people_count == 8 and p.channel == Channel.VISIT
    assert p.has_flag(Flag.COLLECTIVE)
    assert p.risk_level == RiskLevel.MEDIUM
    assert p.registered_by == world.officer
    identity = unseal(p.identity)
    assert identity.representatives == ["张建军", "李红梅", "王志刚", "赵秀兰", "刘国庆"]
    assert identity.masked()["representatives"] == "张*军、李*梅、王*刚、赵*兰、刘*庆"


def test_a_tightened_policy_allows_fewer_representatives(world):
    from petitions.models import UnitPolicy

    UnitPolicy.objects.create(unit=world.company, overrides={"max_visit_representatives": 3})
    with pytest.raises(InvalidInput) as refused:
        petition_register(officer=world.officer, draft=visit(world, people=8, representatives=5), now=at(2025, 9, 15))
    assert "不超过3人" in refused.value.message


# --- a repeat of a final matter (第三十六条第三款) -------------------------------------------------


def make_final(world) -> Petition:
    p = submit(world, now=at(2025, 9, 15)).petition
    p = petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 20))
    p = petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                        leader=world.leader, now=at(2025, 9, 21))
    p = petition_reply(petition=p, actor=A(world.handler), outcome=ReplyOutcome.NOT_SUPPORT,
                       text="经核实，十月绩效按考核结果足额发放，不存在少发。", now=at(2025, 10, 20))
    petition_request_review(petition=p, actor=A(world.employee), text="考核结果不公，请求复查。", now=at(2025, 10, 25))
    petition_decide_review(petition=Petition.objects.get(pk=p.pk), actor=A(world.company_officer),
                           outcome=ReviewOutcome.UPHOLD, opinion="经复查，考核程序合规，维持原处理意见。",
                           now=at(2025, 11, 10))
    petition_request_rereview(petition=Petition.objects.get(pk=p.pk), actor=A(world.employee), text="仍不服，请求复核。",
                              now=at(2025, 11, 15))
    petition_decide_rereview(petition=Petition.objects.get(pk=p.pk), actor=A(world.group_officer),
                             outcome=ReviewOutcome.UPHOLD, opinion="经复核，维持复查意见，本事项终结。", now=at(2025, 11, 30))
    p = Petition.objects.get(pk=p.pk)
    assert p.state == State.FINAL
    return p


def test_the_same_matter_after_rereview_is_refused_naming_the_final_number(world):
    final = make_final(world)
    count = Petition.objects.count()
    events = PetitionEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        submit(world, now=at(2026, 1, 5), title="再次反映十月绩效少发",
               content="我是综采一队职工，十月份绩效工资少发了八百元，队里一直没有说明，再次请求核实补发。")
    assert refused.value.code == "final_same_matter"
    assert refused.value.details["final_number"] == final.number
    assert final.number in refused.value.message and "第三十六条第三款" in refused.value.message
    assert Petition.objects.count() == count and PetitionEvent.objects.count() == events


def test_a_new_matter_after_rereview_is_accepted(world):
    make_final(world)
    # Another category, or the same category with different facts, is a new matter.
    submit(world, now=at(2026, 1, 5), category=Category.SAFETY, title="工作面支架漏液",
           content=CONTENT)
    submit(world, now=at(2026, 1, 6), title="住房补贴未发放",
           content="本人二〇二五年度住房补贴至今未发放，人事科答复需要等待，请求说明原因并尽快发放。")
    # Someone else raising similar facts is not barred by another person's final matter.
    other = petition_submit(petitioner=world.outsider, draft=draft(world), now=at(2026, 1, 7)).petition
    assert other.state == State.REGISTERED
    assert Petition.objects.filter(state=State.REGISTERED).count() == 3


# --- who may register -----------------------------------------------------------------------------


def test_an_officer_of_another_mine_cannot_register_for_this_mine(world, media):
    d = draft(world, channel=Channel.LETTER, identity=Identity(name="王建国"))
    with pytest.raises(NotAllowed) as refused:
        petition_register(officer=world.other_officer, draft=d, uploads=[upload("来信.pdf", PDF)], now=at(2025, 9, 15))
    assert refused.value.code == "not_allowed" and "塔山矿" in refused.value.message
    nothing_written(media)
    # The company's officer (above the mine) may.
    p = petition_register(officer=world.company_officer, draft=d, now=at(2025, 9, 15)).petition
    assert p.unit == world.mine and p.registered_by == world.company_officer


@pytest.mark.parametrize("who", ["employee", "handler"])
def test_people_without_a_desk_role_cannot_register(world, who):
    d = draft(world, channel=Channel.PHONE, identity=Identity(name="王建国"))
    with pytest.raises(NotAllowed):
        petition_register(officer=getattr(world, who), draft=d, now=at(2025, 9, 15))
    assert not Petition.objects.exists()


def test_online_petitions_are_not_registered_by_officers(world):
    with pytest.raises(InvalidInput) as refused:
        petition_register(officer=world.officer, draft=draft(world, channel=Channel.ONLINE,
                                                             identity=Identity(name="王建国")), now=at(2025, 9, 15))
    assert refused.value.code == "invalid_channel"


# --- identity at rest ------------------------------------------------------------------------------


def test_the_identity_is_encrypted_at_rest_and_masked(world):
    secret = Identity(name="王建国", phone="13912345678", id_number="140202198001011234",
                      address="大同市云冈区塔山矿家属区3号楼", employee_no="Z1")
    d = draft(world, channel=Channel.LETTER, identity=secret)
    p = petition_register(officer=world.officer, draft=d, petitioner=world.employee, now=at(2025, 9, 15)).petition
    row = PetitionerIdentity.objects.values().get(petition=p)
    clear = ["王建国", "13912345678", "140202198001011234", "大同市云冈区", "塔山矿家属区"]
    for column, value in row.items():
        for text in clear:
            assert text not in str(value), column
    petition_row = Petition.objects.values().get(pk=p.pk)
    for value in petition_row.values():
        for text in clear[:3]:
            assert text not in str(value)
    identity = unseal(PetitionerIdentity.objects.get(petition=p))
    assert identity == secret
    masked = identity.masked()
    assert masked["name"] == "王*国"
    assert masked["phone"] == "139****5678"
    assert masked["id_number"] == "1402**********1234"


def test_a_named_online_submission_takes_the_identity_from_the_account(world):
    world.employee.phone = "13912345678"
    world.employee.save()
    p = submit(world, now=at(2025, 9, 15)).petition
    identity = unseal(p.identity)
    assert (identity.name, identity.phone, identity.employee_no) == ("王建国", "13912345678", "Z1")
    assert "王建国" not in PetitionerIdentity.objects.values_list("name_enc", flat=True).get(petition=p)
    assert identity.masked()["name"] == "王*国"

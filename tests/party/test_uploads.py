"""Meeting photos and development documents uploaded through the real pages: the type judged from
the content (like the petition attachments), a wrong file refused with a clear message and
nothing stored, the file shown on the record to those in scope and to no one else."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from party.development import dev_open
from party.life import meeting_plan
from party.models import DevStep, MeetingKind, MeetingPhoto
from tests.party.conftest import person
from tongxin.lib.periods import local_date

# A minimal but complete PDF (one empty page), as a scanner or Word would produce in larger form.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def jpeg_with_gps() -> bytes:
    """A small phone-like photo carrying the camera make and a GPS position in its EXIF."""
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 5.0, 30.0), 3: "E", 4: (113.0, 17.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def meeting(world):
    return meeting_plan(org=world.branch, kind=MeetingKind.GENERAL, title="十一月党员大会",
                        planned_on=local_date(timezone.now()), actor=None)


def upload_photo(client, meeting, name: str, data: bytes, content_type: str = "image/jpeg"):
    return client.post(reverse("party:meeting", args=[meeting.pk]),
                       {"action": "photo", "image": SimpleUploadedFile(name, data, content_type=content_type)})


def test_meeting_photo_uploaded_on_the_page_and_shown_to_those_in_scope(world, meeting):
    sec = client_for(world.secretary)
    page = sec.get(reverse("party:meeting", args=[meeting.pk]))
    assert 'enctype="multipart/form-data"' in page.text and 'name="image"' in page.text
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    r = upload_photo(sec, meeting, "大会合影.jpg", original)
    assert r.status_code == 302 and "已保存。" in flashed(r)
    photo = MeetingPhoto.objects.get(meeting=meeting)
    assert photo.original_name == "大会合影.jpg" and photo.content_type == "image/jpeg"
    assert photo.uploaded_by == world.secretary
    url = reverse("party:meeting_photo", args=[photo.pk])
    # on the record: the secretary and a member expected at the meeting see it
    for user in (world.secretary, world.member_user, world.officer):
        c = client_for(user)
        assert f'src="{url}"' in c.get(reverse("party:meeting", args=[meeting.pk])).text
        got = c.get(url)
        assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
        assert got["X-Content-Type-Options"] == "nosniff"
        body = b"".join(got.streaming_content)
        assert body.startswith(b"\xff\xd8") and Image.open(io.BytesIO(body)).size == (64, 48)
        # stored without the camera and the position
        assert b"PhoneMaker" not in body and not Image.open(io.BytesIO(body)).getexif()
    # out of scope: another branch's secretary, an employee who is not a member
    for user in (world.secretary2, world.outsider):
        c = client_for(user)
        assert c.get(url).status_code == 404
        assert c.get(reverse("party:meeting", args=[meeting.pk])).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login page


@pytest.mark.parametrize(("name", "data", "message"), [
    ("会议记录.pdf", PDF, "不是照片：会议照片只能是JPEG、PNG或WebP图片"),
    ("合影.jpg", PDF, "的扩展名与其实际内容（pdf）不符"),
    ("合影.jpg", b"just some text, not an image at all\n" * 20, "不是允许的类型"),
    ("合影.jpg", b"", "请检查填写的内容"),
])
def test_wrong_photo_refused_with_a_clear_message(world, meeting, name, data, message):
    r = upload_photo(client_for(world.secretary), meeting, name, data)
    assert r.status_code == 302
    assert any(message in m for m in flashed(r)), flashed(r)
    assert not MeetingPhoto.objects.exists()


def test_a_member_cannot_upload_a_photo(world, meeting):
    r = upload_photo(client_for(world.member_user), meeting, "合影.jpg", jpeg_with_gps())
    assert r.status_code == 403 and not MeetingPhoto.objects.exists()


@pytest.fixture
def applicant(world):
    """An applicant of the branch whose application (step 1) was received ten days ago."""
    user = person("SQ1", "刘申请", world.team)
    today = local_date(timezone.now())
    f = dev_open(person=user, branch=world.branch, birth_date=today.replace(year=today.year - 25),
                 applied_on=today - timedelta(days=10), actor=None)
    return user, f


def record_step(client, f, name: str, data: bytes, content_type: str = "application/pdf"):
    today = local_date(timezone.now())
    return client.post(reverse("party:dev", args=[f.pk]), {
        "on": today.isoformat(), "decided_by": "综采一队党支部", "note": "谈话记录",
        "document": SimpleUploadedFile(name, data, content_type=content_type)})


def test_development_document_uploaded_with_a_step_and_shown_to_the_branch(world, applicant):
    user, f = applicant
    sec = client_for(world.secretary)
    page = sec.get(reverse("party:dev", args=[f.pk]))
    assert 'enctype="multipart/form-data"' in page.text and 'name="document"' in page.text
    r = record_step(sec, f, "谈话记录.pdf", PDF)
    assert r.status_code == 302 and "已记录第2步。" in flashed(r)
    step = DevStep.objects.get(file=f, step=2)
    assert step.document_name == "谈话记录.pdf" and step.document_type == "application/pdf"
    url = reverse("party:dev_document", args=[step.pk])
    for manager in (world.secretary, world.officer):
        c = client_for(manager)
        assert f'href="{url}"' in c.get(reverse("party:dev", args=[f.pk])).text
        got = c.get(url)
        assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
        assert "attachment" in got["Content-Disposition"]
        assert b"".join(got.streaming_content) == PDF
    # the applicant sees that the step has a document, not the document (political review etc.)
    own = client_for(user)
    page = own.get(reverse("party:dev", args=[f.pk]))
    assert page.status_code == 200 and "有材料" in page.text and url not in page.text
    assert own.get(url).status_code == 404
    for outsider in (world.secretary2, world.member_user, world.outsider):
        assert client_for(outsider).get(url).status_code == 404


def test_a_word_document_and_a_scanned_photo_are_accepted(world, applicant):
    import docx

    _user, f = applicant
    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("入党申请人谈话记录")
    d.save(buf)
    r = record_step(client_for(world.secretary), f, "谈话记录.docx", buf.getvalue(),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert "已记录第2步。" in flashed(r)
    assert DevStep.objects.get(file=f, step=2).document_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("谈话记录.pdf", b"MZ\x90\x00" + b"\x00" * 200, "不是允许的类型"),
    ("谈话记录.docx", PDF, "的扩展名与其实际内容（pdf）不符"),
])
def test_wrong_document_refused_and_the_step_not_recorded(world, applicant, name, data, message):
    _user, f = applicant
    r = record_step(client_for(world.secretary), f, name, data)
    assert r.status_code == 200
    assert any(message in m for m in flashed(r)), flashed(r)
    assert not DevStep.objects.filter(file=f, step=2).exists()
    f.refresh_from_db()
    assert f.current_step == 1

"""Photos are stored without their metadata (EXIF camera, serial, time, GPS; XMP; text
chunks; trailing data) so that an attachment does not tell who took it and where; downloads
are sent as files that the browser neither renders nor sniffs."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin

from core.errors import InvalidInput
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Attachment, Petition
from petitions.uploads import check_upload
from petitions.workflow import petition_accept
from tests.petitions.conftest import A

GPS = {1: "N", 2: (39.0, 54.0, 30.0), 3: "E", 4: (113.0, 12.0, 5.0)}  # a mine near 大同


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif[0x0110] = "Mate 60 Pro"  # Model
    exif[0x0131] = "王建国的手机"  # Software (anything a phone writes)
    exif[0x0112] = orientation
    exif[0x8825] = GPS  # GPSInfo
    return exif


def photo(fmt: str = "JPEG", size=(40, 20), orientation: int = 1, **extra) -> bytes:
    image = Image.new("RGB", size, (90, 110, 140))
    image.paste((255, 0, 0), (0, 0, 8, 8))  # a red corner shows which way up the pixels are
    out = io.BytesIO()
    image.save(out, fmt, exif=camera_exif(orientation), **extra)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_clean(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "icc_profile", "comment", "Author", "XML:com.adobe.xmp"} & set(image.info)
    for secret in (b"HUAWEI", b"Mate 60", "王建国".encode(), b"GPS", b"xmpmeta", b"ZIPSECRET"):
        assert secret not in data
    return image


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_fixture_photo_really_carries_gps_and_camera():
    image = Image.open(io.BytesIO(photo()))
    exif = image.getexif()
    assert exif[0x010F] == "HUAWEI" and exif.get_ifd(0x8825)[1] == "N"


def test_a_submitted_jpeg_is_stored_without_exif_and_hashed_as_stored(world):
    original = photo()
    p = petition_submit(
        petitioner=world.employee, uploads=[upload("井下照片.jpg", original)], now=timezone.now(),
        draft=PetitionDraft(title="井下巷道积水", content="综采一队工作面附近巷道积水严重，存在安全隐患。",
                            category="safety", unit=world.mine),
    ).petition
    attachment = p.attachments.get()
    stored = attachment.file.read()
    assert stored != original
    image = assert_clean(stored)
    assert image.format == "JPEG" and image.size == (40, 20)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    assert attachment.content_type == "image/jpeg" and attachment.original_name == "井下照片.jpg"


def test_the_orientation_is_applied_before_the_exif_goes():
    checked = check_upload(upload("竖拍.jpg", photo(orientation=6)))  # 6: turn 90° clockwise to view
    image = assert_clean(checked.upload.read())
    assert image.size == (20, 40)
    red = image.getpixel((16, 3))  # the top-left corner moved to the top-right
    assert red[0] > 200 and red[1] < 60


def test_png_text_chunks_and_exif_are_removed():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "王建国")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    checked = check_upload(upload("截图.png", photo("PNG", pnginfo=info), "image/png"))
    assert assert_clean(checked.upload.read()).format == "PNG"
    assert checked.content_type == "image/png"


def test_webp_exif_and_xmp_are_removed():
    checked = check_upload(upload("照片.webp", photo("WEBP", xmp=b"<x:xmpmeta>GPS</x:xmpmeta>"), "image/webp"))
    assert assert_clean(checked.upload.read()).format == "WEBP"


def test_data_hidden_after_the_image_is_dropped():
    smuggled = photo() + b"PK\x03\x04ZIPSECRET" + b"\x00" * 64  # a zip glued behind the JPEG
    checked = check_upload(upload("照片.jpg", smuggled))
    assert_clean(checked.upload.read())


def test_a_transparent_palette_png_keeps_its_transparency():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    stored = Image.open(io.BytesIO(check_upload(upload("图标.png", out.getvalue(), "image/png")).upload.read()))
    assert stored.mode == "P" and stored.info.get("transparency") == 0


def test_a_document_is_stored_as_it_came():
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    checked = check_upload(upload("说明.pdf", pdf, "application/pdf"))
    assert checked.upload.read() == pdf and checked.sha256 == hashlib.sha256(pdf).hexdigest()


def test_a_broken_photo_is_refused_with_a_clear_message():
    truncated = photo(size=(400, 300))[:600]
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload("坏照片.jpg", truncated))
    assert refused.value.code == "image_unreadable" and "坏照片.jpg" in refused.value.message


def test_a_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (9000, 8000)).save(out, "PNG")  # 72 megapixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload("大图.png", out.getvalue(), "image/png"))
    assert refused.value.code == "image_too_large"


def test_refusing_a_broken_photo_writes_nothing(world, settings):
    good = upload("好照片.jpg", photo())
    with pytest.raises(InvalidInput):
        petition_submit(
            petitioner=world.employee, uploads=[good, upload("坏照片.jpg", photo()[:300])], now=timezone.now(),
            draft=PetitionDraft(title="标题", content="内容足够长的诉求说明，用于测试。", category="safety", unit=world.mine),
        )
    assert not Petition.objects.exists() and not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT.exists() and any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*")))


# --- downloads -------------------------------------------------------------------------------------


def download_headers_ok(response) -> None:
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_an_attachment_downloads_as_a_sandboxed_file_without_exif(world, client):
    p = petition_submit(
        petitioner=world.employee, uploads=[upload("现场.jpg", photo())], now=timezone.now(),
        draft=PetitionDraft(title="现场照片", content="现场照片一张，请核实处理。", category="safety", unit=world.mine),
    ).petition
    client.force_login(world.officer)
    response = client.get(reverse("petitions:attachment_download", args=[p.attachments.get().pk]))
    assert response.status_code == 200
    download_headers_ok(response)
    assert_clean(b"".join(response.streaming_content))


def test_a_notice_downloads_as_a_sandboxed_file(world, client):
    p = petition_accept(
        petition=petition_submit(
            petitioner=world.employee, now=timezone.now(),
            draft=PetitionDraft(title="工资", content="十月绩效工资少发，请核实。", category="wages", unit=world.mine),
        ).petition,
        actor=A(world.officer),
    )
    client.force_login(world.officer)
    response = client.get(reverse("petitions:notice_download", args=[p.notices.first().pk]))
    assert response.status_code == 200
    download_headers_ok(response)


def test_heic_is_not_accepted_because_its_metadata_cannot_be_stripped():
    # ISO-BMFF header of a HEIC file ("ftypheic").
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(InvalidInput) as refused:
        check_upload(SimpleUploadedFile("IMG_0001.heic", heic))
    assert refused.value.code == "file_type_not_allowed"

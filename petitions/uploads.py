"""Attachment checks: size, and type judged from the content, not the file name; photos
cleaned of their metadata.

A phone photo carries EXIF: the camera's make and model, often its serial number, the time
and the GPS position where it was taken — enough to tell who took it and where, which a
petitioner reporting a cadre must not reveal. JPEG, PNG and WebP images are therefore decoded
and encoded again with Pillow before they are stored: only the pixels survive (turned upright
first, as the EXIF orientation said), no EXIF, XMP, ICC profile, text chunk or trailing data.
What is stored — and hashed — is the cleaned file.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile, File
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput

# Detected extension → extensions the file name may carry.
ALLOWED = {
    "jpg": {"jpg", "jpeg"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "pdf": {"pdf"},
    "docx": {"docx"},
    "doc": {"doc"},
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word (.doc) compound file
# Detected extension → Pillow format of the images re-encoded without their metadata.
CLEANED = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
# A decoded image larger than this is refused (a 50-megapixel phone photo is ~8160×6120).
MAX_IMAGE_PIXELS = 64_000_000
JPEG_QUALITY = 90
# Image info kept when re-encoding: only what the pixels need to look the same.
KEEP_INFO = {"transparency"}


@dataclass(frozen=True)
class CheckedFile:
    upload: File  # what is stored: the upload itself, or the cleaned image
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: File) -> CheckedFile:
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
    size = upload.size or 0
    if size == 0:
        raise InvalidInput("empty_file", f"文件“{name}”是空的")
    if size > settings.MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "file_too_large", f"文件“{name}”超过{settings.MAX_UPLOAD_BYTES // (1024 * 1024)}MB上限"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None and head.startswith(OLE_MAGIC):
        detected, mime = "doc", "application/msword"
    elif kind is not None and kind.extension in ALLOWED:
        detected, mime = kind.extension, kind.mime
    else:
        raise InvalidInput("file_type_not_allowed", f"文件“{name}”不是允许的类型（图片、PDF或Word文档）")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED[detected]:
        raise InvalidInput("file_type_mismatch", f"文件“{name}”的扩展名与其实际内容（{detected}）不符")
    if detected in CLEANED:
        cleaned = strip_metadata(upload, CLEANED[detected], name=name)
        return CheckedFile(upload=ContentFile(cleaned, name=name), name=name, content_type=mime,
                           size=len(cleaned), sha256=hashlib.sha256(cleaned).hexdigest())
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload=upload, name=name, content_type=mime, size=size, sha256=digest.hexdigest())


def strip_metadata(upload: File, fmt: str, *, name: str) -> bytes:
    """The image encoded again from its pixels only, upright, in the same format."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    unreadable = InvalidInput("image_unreadable", f"图片“{name}”已损坏或无法识别，请重新拍摄或导出后上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise InvalidInput(
                        "image_too_large", f"图片“{name}”像素过多（{width}×{height}），请缩小后上传"
                    )
                frames = getattr(image, "n_frames", 1)
                out = io.BytesIO()
                if frames > 1:  # animated PNG/WebP: keep the frames, drop the metadata
                    image.info = {k: v for k, v in image.info.items() if k in KEEP_INFO | {"duration", "loop"}}
                    image.save(out, fmt, save_all=True)
                else:
                    image.load()
                    upright = ImageOps.exif_transpose(image)
                    clean = upright.copy()
                    clean.info = {k: v for k, v in image.info.items() if k in KEEP_INFO}
                    options = {"quality": JPEG_QUALITY} if fmt in ("JPEG", "WEBP") else {}
                    if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
                        clean = clean.convert("RGB")
                    clean.save(out, fmt, **options)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput("image_too_large", f"图片“{name}”像素过多，请缩小后上传") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise unreadable from exc
    return out.getvalue()

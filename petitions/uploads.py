"""Attachment checks: size, and type judged from the content, not the file name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from core.errors import InvalidInput

# Detected extension → extensions the file name may carry.
ALLOWED = {
    "jpg": {"jpg", "jpeg"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "heic": {"heic", "heif"},
    "pdf": {"pdf"},
    "docx": {"docx"},
    "doc": {"doc"},
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word (.doc) compound file


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedFile:
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
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload=upload, name=name, content_type=mime, size=size, sha256=digest.hexdigest())

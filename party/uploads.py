"""Uploads of the party records, checked like the petition attachments (petitions.uploads):
the type judged from the content, not the name; photos re-encoded without EXIF/GPS."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from petitions.uploads import CheckedFile, check_upload

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
DOCUMENT_TYPES = {"application/pdf", "application/msword",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", *PHOTO_TYPES}


def checked_photo(upload) -> CheckedFile:
    """A meeting photo: JPEG, PNG or WebP only (stored without its metadata)."""
    checked = _checked(upload)
    if checked.content_type not in PHOTO_TYPES:
        raise InvalidInput("party.photo.type", _("“%(name)s”不是照片：会议照片只能是JPEG、PNG或WebP图片")
                           % {"name": checked.name})
    return checked


def checked_document(upload) -> CheckedFile:
    """A development document: PDF, Word, or a photo/scan (JPEG, PNG, WebP)."""
    checked = _checked(upload)
    if checked.content_type not in DOCUMENT_TYPES:
        raise InvalidInput("party.document.type", _("“%(name)s”不是允许的材料类型：请上传PDF、Word文档或JPEG/PNG图片")
                           % {"name": checked.name})
    return checked


def _checked(upload) -> CheckedFile:
    if upload is None:
        raise InvalidInput("party.upload.missing", _("请选择文件"))
    return check_upload(upload)

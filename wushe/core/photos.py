"""Photos taken in people's homes and at activities: encrypted at rest, served only through a
scoped view, never cached.

The phone compresses a photo before upload (static/wushe/photos.js: at most 1600 px on the
long side, JPEG); the server refuses anything that is not an image or is still too large.
Where the phone gave one, the location is personal data (a home) and is encrypted too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wushe.core.crypto import decrypt_bytes, decrypt_text, encrypt_bytes, encrypt_text

MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_PHOTOS = 9
# Magic numbers of the formats a phone's browser produces.
SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"RIFF": "image/webp",
}


class Photo(models.Model):
    """The fields every photo table shares; `CONTEXT` names the table for the encryption."""

    CONTEXT = "photo"

    data_enc = models.TextField()
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(gettext_lazy("拍摄时间"), null=True, blank=True)
    location_enc = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def image(self) -> bytes:
        return decrypt_bytes(self.data_enc, context=self.CONTEXT)

    def location(self) -> tuple[float, float] | None:
        if not self.location_enc:
            return None
        lat, lon = decrypt_text(self.location_enc, context=self.CONTEXT + ".location").split(",")
        return float(lat), float(lon)


@dataclass(frozen=True)
class PhotoUpload:
    """One photo as the form or the API sent it."""

    data: bytes
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_base64(cls, text: str, **meta) -> PhotoUpload:
        try:
            data = base64.b64decode(text.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError({"photos": _("照片数据无法读取。")}) from exc
        return cls(data=data, **meta)


def content_type_of(data: bytes) -> str | None:
    for magic, kind in SIGNATURES.items():
        if data.startswith(magic) and (kind != "image/webp" or data[8:12] == b"WEBP"):
            return kind
    return None


def photo_fields(upload: PhotoUpload, *, context: str, number: int = 1) -> dict:
    """The stored fields of one photo, or a ValidationError saying which photo and why."""
    kind = content_type_of(upload.data)
    if kind is None:
        raise ValidationError(
            {"photos": _("第 %(n)d 张照片不是 JPEG、PNG 或 WebP 图片。") % {"n": number}}
        )
    if len(upload.data) > MAX_PHOTO_BYTES:
        raise ValidationError(
            {
                "photos": _("第 %(n)d 张照片超过 %(mb)d MB，请压缩后再上传。")
                % {"n": number, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}
            }
        )
    fields = {
        "data_enc": encrypt_bytes(upload.data, context=context),
        "content_type": kind,
        "size": len(upload.data),
        "taken_at": upload.taken_at,
        "location_enc": "",
    }
    if upload.latitude is not None and upload.longitude is not None:
        if not (-90 <= upload.latitude <= 90 and -180 <= upload.longitude <= 180):
            raise ValidationError({"photos": _("第 %(n)d 张照片的位置无效。") % {"n": number}})
        where = f"{upload.latitude:.6f},{upload.longitude:.6f}"
        fields["location_enc"] = encrypt_text(where, context=context + ".location")
    return fields


def check_photo_count(uploads: list[PhotoUpload]) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError({"photos": _("最多 %(n)d 张照片。") % {"n": MAX_PHOTOS}})


def photo_response(photo: Photo) -> HttpResponse:
    response = HttpResponse(photo.image(), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

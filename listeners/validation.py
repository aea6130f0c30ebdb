"""Checks shared by forms, API serializers and services: ID numbers, avatars, languages."""

import io
import re
import uuid
from datetime import date

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from listeners.exceptions import ListenerError

# Languages a listener can chat in (ISO 639 codes).
LANGUAGE_CHOICES = [
    ("zh", gettext_lazy("Mandarin")),
    ("yue", gettext_lazy("Cantonese")),
    ("en", gettext_lazy("English")),
    ("ja", gettext_lazy("Japanese")),
    ("ko", gettext_lazy("Korean")),
]
LANGUAGE_CODES = {code for code, _label in LANGUAGE_CHOICES}

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000  # refuses decompression bombs before decoding
AVATAR_SIZE = 512  # longest side after re-encoding
AVATAR_FORMATS = {"JPEG", "PNG", "WEBP"}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_number_clean(raw: str) -> str:
    """A mainland resident ID number (GB 11643): 17 digits + check character, valid birth
    date. Returns it upper-cased; raises ListenerError otherwise."""
    value = (raw or "").strip().upper()
    if not _ID_PATTERN.match(value):
        raise ListenerError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="id_number_invalid",
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ListenerError(
            _("This ID number does not contain a valid birth date."), code="id_number_invalid"
        ) from None
    checksum = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11
    if _ID_CHECK[checksum] != value[17]:
        raise ListenerError(
            _("This ID number's check digit is wrong; please check it for typos."),
            code="id_number_checksum",
        )
    return value


def id_number_mask(value: str) -> str:
    """'110105199001011234' -> '110***********1234' (same length)."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def languages_clean(values: list[str]) -> list[str]:
    cleaned = []
    for value in values or []:
        if value not in LANGUAGE_CODES:
            raise ListenerError(
                _("Unknown language: %(value)s.") % {"value": str(value)[:20]},
                code="language_unknown",
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def avatar_process(upload) -> ContentFile:
    """Checks an uploaded avatar and re-encodes it as a fresh JPEG (metadata dropped,
    at most 512 px). Refuses files over 5 MB and anything that is not JPEG/PNG/WebP."""
    size = getattr(upload, "size", None)
    if size is None or size > AVATAR_MAX_BYTES:
        raise ListenerError(
            _("The avatar must be an image of at most 5 MB."), code="avatar_too_large"
        )
    not_an_image = ListenerError(
        _("The avatar must be a JPEG, PNG or WebP image."), code="avatar_not_image"
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in AVATAR_FORMATS:
                raise not_an_image
            if probe.width * probe.height > AVATAR_MAX_PIXELS:
                raise ListenerError(
                    _("The avatar's dimensions are too large."), code="avatar_too_large"
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, (255, 255, 255))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            image = image.convert("RGB")
            image.thumbnail((AVATAR_SIZE, AVATAR_SIZE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")

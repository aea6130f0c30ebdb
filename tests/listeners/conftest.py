import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from listeners.models import Tag


@pytest.fixture
def tags(db):
    """The seeded specialty tags (data migration), by slug."""
    return {tag.slug: tag for tag in Tag.objects.all()}


def image_upload(fmt: str = "PNG", size=(800, 600), name: str = "me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (200, 100, 50)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")

"""Product pictures uploaded through the editor: only real images, bounded in bytes and pixels,
re-encoded (the stored bytes are ours, not the upload's), with a thumbnail, served back by the hub."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from wxmall.catalog.testing import make_staff


def _image(fmt="PNG", size=(640, 480), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(client, data: bytes, name="photo.png"):
    return client.post(reverse("console:product_image_upload"), {"image": SimpleUploadedFile(name, data)})


def test_an_image_is_re_encoded_with_a_thumbnail_and_served(boss_client, media_root):
    data = _image("PNG", (3000, 1500))
    response = _upload(boss_client, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith("/media/catalog/products/") and body["url"].endswith(".jpg")
    served = boss_client.get(body["url"])
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    picture = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert max(picture.size) == 1600  # downscaled to CATALOG_IMAGE_MAX_SIDE
    thumb = Image.open(io.BytesIO(b"".join(boss_client.get(body["thumbnail"]).streaming_content)))
    assert max(thumb.size) == 240
    assert _upload(boss_client, data).json()["url"] == body["url"]  # same picture, same file


def test_transparency_is_kept_as_png(boss_client):
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buffer, "PNG")
    assert _upload(boss_client, buffer.getvalue()).json()["url"].endswith(".png")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a picture", "文件不是图片"),
        (b"GIF89a" + b"\x00" * 40, "文件不是图片"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "文件不是图片"),
    ],
)
def test_files_that_are_not_images_are_refused(boss_client, media_root, data, message):
    response = _upload(boss_client, data, "x.png")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not any(media_root.rglob("*.*"))


def test_a_pixel_bomb_is_refused_before_decoding(boss_client, media_root, settings):
    settings.CATALOG_IMAGE_MAX_PIXELS = 1_000_000
    bomb = _image("PNG", (4000, 4000), (0, 0, 0))  # compresses to a few KB, 16 M pixels decoded
    assert len(bomb) < 200_000
    response = _upload(boss_client, bomb)
    assert response.status_code == 400
    assert "像素过多" in response.json()["message"]
    assert not any(media_root.rglob("*.*"))


def test_an_oversize_upload_is_refused(boss_client, media_root, settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 10_000
    response = _upload(boss_client, _image("BMP", (200, 200)))
    assert response.status_code == 400
    assert "不能超过" in response.json()["message"]
    assert not any(media_root.rglob("*.*"))


def test_uploading_needs_change_permission_and_a_file(boss_client):
    viewer = Client()
    viewer.force_login(make_staff("view_product"))
    assert _upload(viewer, _image()).status_code == 403
    response = boss_client.post(reverse("console:product_image_upload"), {})
    assert response.status_code == 400 and "请选择图片" in response.json()["message"]


def test_media_serves_only_uploaded_pictures(client):
    for name in (
        "catalog/imports/x.csv",
        "catalog/products/../../wxmall.sqlite3",
        "catalog/products/none.jpg",
    ):
        assert client.get(f"/media/{name}").status_code == 404

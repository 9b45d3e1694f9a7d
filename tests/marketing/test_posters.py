"""QR posters: a PNG whose QR code is exactly the link's short URL, with the product on it; staff only."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image, ImageChops

from wxmall.customers.testing import as_owner
from wxmall.marketing import posters
from wxmall.marketing.testing import make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    client = Client()
    client.force_login(
        as_owner(get_user_model().objects.create_user("designer", password="pw-design-1", is_staff=True))
    )
    return client


def test_the_poster_carries_the_links_qr_code(staff, sku, settings):
    settings.SITE_URL = "https://shop.example"
    link = make_link(channel="poster", campaign="双十二")
    response = staff.get(f"/console/marketing/links/{link.code}/poster.png?product={sku.product_id}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.size == (posters.WIDTH, posters.HEIGHT)
    left = (posters.WIDTH - posters.QR_SIZE) // 2
    region = image.crop((left, posters.QR_TOP, left + posters.QR_SIZE, posters.QR_TOP + posters.QR_SIZE))
    assert posters.short_url(link) == f"https://shop.example/l/{link.code}"
    assert ImageChops.difference(region, posters.qr_image(link)).getbbox() is None  # the same modules
    other = make_link()
    assert ImageChops.difference(region, posters.qr_image(other)).getbbox() is not None


def test_unknown_links_and_products_and_customers(staff, api):
    link = make_link(name="线下门店海报")
    assert staff.get(f"/console/marketing/links/{link.code}/poster.png").status_code == 200
    assert staff.get("/console/marketing/links/nope/poster.png").status_code == 404
    assert staff.get(f"/console/marketing/links/{link.code}/poster.png?product=999999").status_code == 404
    assert staff.get(f"/console/marketing/links/{link.code}/poster.png?product=1e9").status_code == 400
    assert api.get(f"/console/marketing/links/{link.code}/poster.png").status_code == 302

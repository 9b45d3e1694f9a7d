"""Template context every page of the back office needs (the shared navigation's shop name)."""

from django.conf import settings


def shop(request) -> dict:
    return {"shop_name": settings.SHOP_NAME}

"""wxmall: a self-hosted commerce hub linked to the WeChat ecosystem."""

from .celery import app as celery_app

__all__ = ["celery_app"]

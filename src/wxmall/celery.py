"""The Celery application. Broker from CELERY_BROKER_URL: a filesystem queue under var/ by default,
Redis (or RabbitMQ) in production. All CELERY_* settings live in wxmall.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wxmall.settings")

app = Celery("wxmall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

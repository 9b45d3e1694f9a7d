from celery.schedules import crontab
from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "wxmall.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from wxmall.core.outbox import RELAY_TASK

        interval = settings.OUTBOX_RELAY_INTERVAL_SECONDS
        settings.CELERY_BEAT_SCHEDULE["outbox-relay"] = {
            "task": RELAY_TASK,
            "schedule": interval,
            # A stopped worker must not come back to a pile of stale relay runs; the next tick suffices.
            "options": {"expires": max(interval, 1)},
        }
        settings.CELERY_BEAT_SCHEDULE["outbox-purge"] = {
            "task": "wxmall.core.purge_outbox",
            "schedule": crontab(hour=4, minute=17),  # quiet hour, Asia/Shanghai (CELERY_TIMEZONE)
        }

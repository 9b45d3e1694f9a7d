import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wxmall.settings")
application = get_wsgi_application()


def _warm() -> None:
    """Per web worker, before it takes requests: what the first WeChat message would otherwise load."""
    from django.conf import settings
    from django.db import DatabaseError

    if not settings.SUPPORT_BOT_WARM_ON_START:
        return
    from wxmall.support import bot

    try:
        bot.warm()
    except DatabaseError:  # no tables yet (a first start before migrate): the first question loads it
        logging.getLogger(__name__).warning("FAQ bot not warmed: database not ready")


_warm()

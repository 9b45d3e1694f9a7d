"""Bump the FAQ index version whenever an entry changes, whoever changes it (admin, actions, loaders), and
keep the fast path's copies (support.fast) from outliving a change."""

from __future__ import annotations

import uuid

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import fast
from .models import Conversation, FaqEntry, FaqIndexVersion


def bump_faq_version() -> None:
    stamp = uuid.uuid4().hex
    if not FaqIndexVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=stamp):
        FaqIndexVersion.objects.get_or_create(pk=1, defaults={"version": 1, "stamp": stamp})


@receiver(post_save, sender=FaqEntry, dispatch_uid="support.faq_saved")
@receiver(post_delete, sender=FaqEntry, dispatch_uid="support.faq_deleted")
def _faq_changed(**_: object) -> None:
    bump_faq_version()
    fast.forget_faq_stamp()


@receiver(post_save, sender=Conversation, dispatch_uid="support.conversation_saved")
def _conversation_changed(instance: Conversation, **_: object) -> None:
    """Whoever changed a conversation (an agent, WeCom, the admin), the fast path asks the database about
    it next; the bot's own paths remember the state they left under the row lock instead."""
    if not getattr(instance, "_keeps_fast_state", False):
        fast.forget_state(instance.appid, instance.openid)

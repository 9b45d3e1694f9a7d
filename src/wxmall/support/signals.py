"""Bump the FAQ index version whenever an entry changes, whoever changes it (admin, actions, loaders)."""

from __future__ import annotations

import uuid

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import FaqEntry, FaqIndexVersion


def bump_faq_version() -> None:
    stamp = uuid.uuid4().hex
    if not FaqIndexVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=stamp):
        FaqIndexVersion.objects.get_or_create(pk=1, defaults={"version": 1, "stamp": stamp})


@receiver(post_save, sender=FaqEntry, dispatch_uid="support.faq_saved")
@receiver(post_delete, sender=FaqEntry, dispatch_uid="support.faq_deleted")
def _faq_changed(**_: object) -> None:
    bump_faq_version()

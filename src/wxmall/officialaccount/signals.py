"""Move the reply rules' version whenever a rule changes, whoever changes it (console, admin, loaders)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import rules
from .models import ReplyRule


@receiver(post_save, sender=ReplyRule, dispatch_uid="officialaccount.rule_saved")
@receiver(post_delete, sender=ReplyRule, dispatch_uid="officialaccount.rule_deleted")
def _rule_changed(**_: object) -> None:
    rules.bump_version()

"""Signals other apps listen to (they depend on compliance; compliance imports none of them)."""

from django.db import transaction
from django.dispatch import Signal

# Sent after commit when a subject's current copy becomes publishable (auto-cleared or approved):
# kwargs `subject` (app_label.modelname) and `object_id` (str). The Store re-queues the product's push.
copy_cleared = Signal()


def announce_cleared(item) -> None:
    """Send `copy_cleared` for a ReviewItem once the current transaction commits."""
    subject, object_id = item.subject, item.object_id
    transaction.on_commit(lambda: copy_cleared.send(sender=None, subject=subject, object_id=object_id))

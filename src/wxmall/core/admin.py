"""Read-only admin views of the outbox. Changes go through the console's replay/discard actions, which
are guarded and audited; editing rows here would bypass both."""

from django.contrib import admin

from wxmall.core.models import CircuitBreaker, DeliveryAttempt, OutboxAuditEntry, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "destination", "kind", "status", "attempts", "next_attempt_at", "created_at")
    list_filter = ("status", "destination", "kind")
    search_fields = ("idempotency_key",)
    date_hierarchy = "created_at"


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("at", "destination", "message", "ok", "latency_ms")
    list_filter = ("destination", "ok")


@admin.register(CircuitBreaker)
class CircuitBreakerAdmin(ReadOnlyAdmin):
    list_display = ("destination", "state", "consecutive_failures", "opened_until", "updated_at")


@admin.register(OutboxAuditEntry)
class OutboxAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "message", "staff", "from_status", "reason")
    list_filter = ("action",)

"""Read-only admin of the audit log: nobody adds, edits or deletes an entry, not even a superuser."""

from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_label", "action", "target_label", "summary", "ip")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("actor_label", "target_label", "target_id", "summary")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

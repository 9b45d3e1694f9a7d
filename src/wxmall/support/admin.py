from django.contrib import admin

from .models import FaqEntry


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("intent", "question", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("intent", "question", "variants", "answer")

from django.contrib import admin

from .models import Group, GroupDeal, GroupMember, Invitation, ReferralCampaign, ReferralReward


@admin.register(GroupDeal)
class GroupDealAdmin(admin.ModelAdmin):
    list_display = ("title", "sku", "group_price", "size", "hours", "is_active")
    raw_id_fields = ("sku",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("id", "deal", "leader", "state", "paid", "seats", "expires_at")
    list_filter = ("state",)
    readonly_fields = ("state", "paid", "seats", "decided_at", "link", "leader")


admin.site.register(GroupMember, list_display=("group", "user", "order", "is_paid", "refund_started"))
admin.site.register(ReferralCampaign, list_display=("name", "state", "inviter_points", "invitee_points"))
admin.site.register(Invitation, list_display=("campaign", "inviter", "invitee", "created_at"))
admin.site.register(ReferralReward, list_display=("invitation", "order", "reversed", "created_at"))

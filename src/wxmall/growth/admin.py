from django.contrib import admin

from wxmall.core.money_admin import MoneyAdminMixin, fen_column

from .models import Group, GroupDeal, GroupMember, Invitation, ReferralCampaign, ReferralReward


@admin.register(GroupDeal)
class GroupDealAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = {"group_price": 1}  # typed in yuan, at least ¥0.01
    list_display = ("title", "sku", "group_price_yuan", "size", "hours", "is_active")
    group_price_yuan = fen_column("group_price", "拼团价")
    raw_id_fields = ("sku",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("id", "deal", "leader", "state", "paid", "seats", "expires_at")
    list_filter = ("state",)
    readonly_fields = ("state", "paid", "seats", "decided_at", "link", "leader")


admin.site.register(GroupMember, list_display=("group", "user", "order", "is_paid", "refund_started"))
admin.site.register(
    ReferralCampaign,
    list_display=("name", "state", "inviter_points", "invitee_points", "inviter_coupon", "invitee_coupon"),
)
admin.site.register(Invitation, list_display=("campaign", "inviter", "invitee", "created_at"))
admin.site.register(
    ReferralReward,
    list_display=("invitation", "order", "reversed", "inviter_coupon", "invitee_coupon", "created_at"),
)

"""Storefront pages, mounted under /g/; the console pages are mounted by the console's urls."""

from django.urls import path

from . import views

app_name = "growth"
urlpatterns = [
    path("groups/<int:group_id>/", views.group, name="group"),
    path("groups/<int:group_id>/poster.png", views.group_poster, name="group_poster"),
    path("groups/<int:group_id>/join/", views.join_group, name="join"),
    path("deals/<int:deal_id>/open/", views.open_group, name="open"),
    path("invite/", views.invite, name="invite"),
    path("invite/poster.png", views.invite_poster, name="invite_poster"),
    path("invite/<int:campaign_id>/<int:inviter_id>/", views.invited, name="invited"),
]

console_urlpatterns = [
    path("growth/deals/", views.console_deals, name="growth_deals"),
    path("growth/deals/<int:deal_id>/", views.console_deal, name="growth_deal"),
    path("growth/deals/<int:deal_id>/end/", views.console_deal_end, name="growth_deal_end"),
    path("growth/groups/", views.console_groups, name="growth_groups"),
    path("growth/campaigns/", views.console_campaigns, name="growth_campaigns"),
    path(
        "growth/campaigns/<int:campaign_id>/start/",
        views.console_campaign_start,
        name="growth_campaign_start",
    ),
    path(
        "growth/campaigns/<int:campaign_id>/stop/", views.console_campaign_stop, name="growth_campaign_stop"
    ),
]

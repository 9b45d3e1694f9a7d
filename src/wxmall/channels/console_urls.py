"""Mounted under /console/channels/ by the project's urls (namespace `console`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="channels"),
    path("calendar/generate/", views.generate, name="channels_generate"),
    path("calendar/add/", views.add_entry, name="channels_add_entry"),
    path("notices/read/", views.read_notice, name="channels_read_notice"),
    path("live/add/", views.create_live, name="channels_create_live"),
    path("live/<int:session_id>/", views.live_room, name="channels_live"),
    path("live/<int:session_id>/figures/", views.live_figures, name="channels_live_figures"),
    path("live/<int:session_id>/shelf/", views.shelf, name="channels_shelf"),
    path("live/<int:session_id>/coupons/", views.live_coupon, name="channels_live_coupon"),
    path("live/<int:session_id>/session/", views.live_link, name="channels_live_link"),
    path("videos/add/", views.add_video, name="channels_add_video"),
    path("sharers/", views.sharer_action, name="channels_sharers"),
    path("sharers/real-name/", views.real_name, name="channels_real_name"),
    path("rules/add/", views.add_rule, name="channels_add_rule"),
    path("commissions/retry/", views.retry, name="channels_retry"),
    path("statement.<str:fmt>", views.statement, name="channels_statement"),
    path("alliance/", views.alliance_action, name="channels_alliance"),
    path("challenges/add/", views.add_challenge, name="channels_add_challenge"),
]

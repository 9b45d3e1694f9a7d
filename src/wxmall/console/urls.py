from django.urls import path

from wxmall.wechat import views as wechat_views

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:message_id>/replay/", views.outbox_replay, name="outbox_replay"),
    path("outbox/<int:message_id>/discard/", views.outbox_discard, name="outbox_discard"),
    path("destinations/", views.destinations, name="destinations"),
    path("wechat/", wechat_views.api_stats, name="wechat_api"),
]

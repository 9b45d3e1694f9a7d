"""Mounted under /console/store/ by the console's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="store"),
    path("connect/", views.connect, name="store_connect"),
    path("channels/bind/", views.bind, name="store_bind"),
    path("channels/unbind/", views.unbind, name="store_unbind"),
    path("categories/map/", views.map_category, name="store_map_category"),
    path("products/sync/", views.sync_product, name="store_sync_product"),
    path("orders/ship/", views.ship, name="store_ship"),
    path("aftersales/decide/", views.decide_aftersale, name="store_decide_aftersale"),
    path("orders/refund/", views.start_refund, name="store_start_refund"),
]

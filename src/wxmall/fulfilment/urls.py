"""Mounted under /console/fulfilment/ by the console's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.awaiting, name="fulfilment"),
    path("orders/<int:order_id>/", views.order, name="fulfilment_order"),
    path("orders/<int:order_id>/packing/", views.packing_list, name="fulfilment_packing"),
    path("orders/<int:order_id>/offline-paid/", views.mark_paid, name="fulfilment_mark_paid"),
    path("couriers/sync/", views.sync_couriers, name="fulfilment_sync_couriers"),
    path("freight/", views.freight, name="fulfilment_freight"),
    path("freight/new/", views.freight_edit, name="fulfilment_freight_new"),
    path("freight/<int:template_id>/", views.freight_edit, name="fulfilment_freight_edit"),
    path("freight/<int:template_id>/delete/", views.freight_delete, name="fulfilment_freight_delete"),
]

from django.urls import path

from wxmall.aftersales.urls import urlpatterns as aftersales_urls
from wxmall.catalog import views as catalog_views
from wxmall.channels.console_urls import urlpatterns as channels_urls
from wxmall.fulfilment.urls import urlpatterns as fulfilment_urls
from wxmall.growth.urls import console_urlpatterns as growth_urls
from wxmall.invoicing.console_urls import urlpatterns as invoice_urls
from wxmall.members_import.urls import urlpatterns as members_import_urls
from wxmall.pickup import views as pickup_views
from wxmall.store.console_urls import urlpatterns as store_urls
from wxmall.wechat import views as wechat_views

from . import payments, reconciliation, views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("outbox/", views.outbox_list, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:message_id>/replay/", views.outbox_replay, name="outbox_replay"),
    path("outbox/<int:message_id>/discard/", views.outbox_discard, name="outbox_discard"),
    path("destinations/", views.destinations, name="destinations"),
    path("reconciliation/", reconciliation.overview, name="reconciliation"),
    path("reconciliation/run/", reconciliation.run, name="reconciliation_run"),
    path(
        "reconciliation/<int:difference_id>/resolve/", reconciliation.resolve, name="reconciliation_resolve"
    ),
    path(
        "reconciliation/<int:difference_id>/requery/", reconciliation.requery, name="reconciliation_requery"
    ),
    path("payments/", payments.payments_list, name="payments"),
    path("payments/flagged/", payments.flagged, name="payments_flagged"),
    path("payments/<int:payment_id>/", payments.payment_detail, name="payment_detail"),
    path("payments/<int:payment_id>/refund/", payments.refund, name="payment_refund"),
    path("payments/refunds/<int:refund_id>/requery/", payments.requery_refund, name="refund_requery"),
    path("payments/<str:kind>/<int:pk>/resolve/", payments.resolve, name="payments_resolve"),
    path("wechat/", wechat_views.api_stats, name="wechat_api"),
    *[path(f"store/{p.pattern}", p.callback, name=p.name) for p in store_urls],
    *[path(f"channels/{p.pattern}", p.callback, name=p.name) for p in channels_urls],
    *[path(f"members/{p.pattern}", p.callback, name=p.name) for p in members_import_urls],
    *growth_urls,
    path("pickup/", pickup_views.counter, name="pickup"),
    path("products/", catalog_views.product_list, name="products"),
    path("products/bulk/", catalog_views.product_bulk, name="products_bulk"),
    path("products/new/", catalog_views.product_create, name="product_create"),
    path("products/<int:product_id>/", catalog_views.product_edit, name="product_edit"),
    path("products/images/", catalog_views.image_upload, name="product_image_upload"),
    path("products/import/", catalog_views.product_import, name="product_import"),
    path("products/export/", catalog_views.product_export, name="product_export"),
    *[path(f"fulfilment/{p.pattern}", p.callback, name=p.name) for p in fulfilment_urls],
    *[path(f"aftersales/{p.pattern}", p.callback, name=p.name) for p in aftersales_urls],
    *[path(f"invoices/{p.pattern}", p.callback, name=p.name) for p in invoice_urls],
]

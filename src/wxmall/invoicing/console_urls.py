"""The invoice desk's URLs, mounted by the console under /console/invoices/ (names `console:invoice…`)."""

from django.urls import path

from . import console

urlpatterns = [
    path("", console.desk, name="invoices"),
    path("manual/", console.manual, name="invoice_manual"),
    path("export.xlsx", console.export, name="invoice_export"),
    path("<int:invoice_id>/", console.detail, name="invoice_detail"),
    path("<int:invoice_id>/pdf/", console.pdf, name="invoice_pdf"),
    path("<int:invoice_id>/retry/", console.retry, name="invoice_retry"),
    path("<int:invoice_id>/retry-wechat/", console.retry_wechat, name="invoice_retry_wechat"),
    path("<int:invoice_id>/correct/", console.correct, name="invoice_correct"),
    path("<int:invoice_id>/reverse/", console.reverse, name="invoice_reverse"),
]

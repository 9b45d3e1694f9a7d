from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("notify/", views.payment_notify, name="notify"),
    path("notify/refund/", views.refund_notify, name="refund_notify"),
]

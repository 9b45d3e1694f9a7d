from django.urls import path

from . import coupons, views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/<int:customer_id>/", views.customer_detail, name="detail"),
    path("customers/<int:customer_id>/reveal/", views.customer_reveal, name="reveal"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/<int:segment_id>/", views.segment_detail, name="segment"),
    path("segments/<int:segment_id>/message/", views.segment_message, name="segment_message"),
    path("coupons/", coupons.coupon_centre, name="coupons"),
    path("coupons/issue/", coupons.issue_to_segment, name="coupon_issue"),
]

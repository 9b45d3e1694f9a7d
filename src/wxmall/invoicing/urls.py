from django.urls import path

from . import views

app_name = "invoicing"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.request_form, name="request"),
    path("wechat-titles/", views.wechat_titles, name="wechat_titles"),
    path("<str:number>/", views.invoice_detail, name="detail"),
    path("<str:number>/wechat/", views.to_wechat, name="wechat"),
    path("<str:number>/pdf/", views.pdf, name="pdf"),
]

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("export/<slug:kind>.xlsx", views.export, name="export"),
]

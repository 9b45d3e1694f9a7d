"""Mounted under /console/aftersales/ by the console's urls."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.desk, name="aftersales"),
    path("<int:sale_id>/", views.detail, name="aftersales_detail"),
    path("<int:sale_id>/<str:decision>/", views.decide, name="aftersales_decide"),
    path("photos/<int:photo_id>/", views.photo, name="aftersales_photo"),
]

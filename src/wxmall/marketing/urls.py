from django.urls import path

from . import views

app_name = "marketing"
urlpatterns = [path("<str:code>", views.follow, name="follow")]

from django.urls import path

from . import receiver

app_name = "store"
urlpatterns = [path("<str:appid>/", receiver.receive, name="push")]

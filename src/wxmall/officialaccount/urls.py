from django.urls import path

from . import views

app_name = "officialaccount"
urlpatterns = [
    path("<str:appid>/", views.message_server, name="message_server"),
]

from django.urls import path

from . import views

app_name = "marketing_console"
urlpatterns = [
    path("links/<str:code>/poster.png", views.poster, name="poster"),
    path("links/<str:code>/mp-link/", views.mp_link, name="mp_link"),
    path("links/<str:code>/mp-code/", views.mp_code, name="mp_code"),
]

from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [path("live-script/", views.live_script, name="live_script")]

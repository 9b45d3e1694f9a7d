from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:conversation_id>/", views.detail, name="detail"),
    path("<int:conversation_id>/reply/", views.reply, name="reply"),
    path("<int:conversation_id>/take/", views.take, name="take"),
    path("<int:conversation_id>/transfer/", views.transfer, name="transfer"),
    path("<int:conversation_id>/close/", views.close, name="close"),
    path("<int:conversation_id>/wecom/", views.to_wecom, name="to_wecom"),
]

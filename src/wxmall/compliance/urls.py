from django.urls import path

from . import review_views, views

app_name = "compliance"
urlpatterns = [
    path("live-script/", views.live_script, name="live_script"),
    path("assistant/", views.copy_assistant, name="assistant"),
    path("review/", review_views.review_list, name="review"),
    path("review/<int:item_id>/", review_views.review_detail, name="review_detail"),
    path(
        "review/<int:item_id>/approve/",
        review_views.review_decide,
        {"decision": "approve"},
        name="review_approve",
    ),
    path(
        "review/<int:item_id>/reject/",
        review_views.review_decide,
        {"decision": "reject"},
        name="review_reject",
    ),
]

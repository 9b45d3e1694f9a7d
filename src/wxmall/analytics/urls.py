from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:table>.csv", views.export, name="export"),
    path("spend/save/", views.spend_save, name="spend_save"),
    path("spend/import/", views.spend_import, name="spend_import"),
    path("experiments/", views.experiment_list, name="experiments"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/archive/", views.campaign_archive, name="campaign_archive"),
    path("campaigns/<int:campaign_id>/members/", views.campaign_member, name="campaign_member"),
    path("rollouts/", views.rollout_list, name="rollouts"),
    path("rollouts/<int:rollout_id>/percent/", views.rollout_set, name="rollout_set"),
    path("rollouts/<int:rollout_id>/allowlist/", views.rollout_allow, name="rollout_allow"),
    path("experiments/<int:experiment_id>/decide/", views.experiment_decide, name="experiment_decide"),
]

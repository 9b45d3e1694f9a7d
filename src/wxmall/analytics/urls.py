from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:table>.csv", views.export, name="export"),
    path("spend/save/", views.spend_save, name="spend_save"),
    path("spend/import/", views.spend_import, name="spend_import"),
    path("experiments/", views.experiment_list, name="experiments"),
    path("rollouts/", views.rollout_list, name="rollouts"),
    path("rollouts/<int:rollout_id>/percent/", views.rollout_set, name="rollout_set"),
    path("rollouts/<int:rollout_id>/allowlist/", views.rollout_allow, name="rollout_allow"),
    path("experiments/<int:experiment_id>/decide/", views.experiment_decide, name="experiment_decide"),
]

from django.urls import path

from . import console

app_name = "oa_console"
urlpatterns = [
    path("", console.overview, name="overview"),
    path("rules/new/", console.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", console.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", console.rule_delete, name="rule_delete"),
    path("codes/", console.code_create, name="code_create"),
    path("menu/", console.menu, name="menu"),
]

"""Every admin page reads money in yuan: walking the admin registry, no changelist column, form field or
read-only field (of a model admin or its inlines) is labelled in 分, and no money column is shown or
edited as a bare integer of fen."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.db import models
from django.test import RequestFactory

from wxmall.accounts.testing import make_customer
from wxmall.core.money_forms import YuanField

pytestmark = pytest.mark.django_db

IN_FEN = re.compile(r"[(（]\s*分[\s,，、)）]|单位：分")
# Integer columns that hold fen, by name; counts and points share none of these endings.
MONEY_NAME = re.compile(r"(^|_)(amount|price|fee|total|spend|tax|free_over|base)$")


def _money_field(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except Exception:
        return False
    return isinstance(field, models.IntegerField) and bool(MONEY_NAME.search(name))


def _admins(request):
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin
        for inline in model_admin.get_inline_instances(request):
            yield inline.model, inline


@pytest.fixture
def request_as_owner():
    request = RequestFactory().get("/admin/")
    request.user = make_customer("labels-boss", is_staff=True, is_superuser=True)
    return request


def test_no_admin_page_labels_money_in_fen_or_shows_fen_raw(request_as_owner):
    problems = []
    for model, model_admin in _admins(request_as_owner):
        where = f"{type(model_admin).__name__} ({model._meta.label})"
        columns = []
        if isinstance(model_admin, admin.ModelAdmin):
            columns += [c for c in model_admin.get_list_display(request_as_owner) if isinstance(c, str)]
        columns += [c for c in model_admin.get_readonly_fields(request_as_owner) if isinstance(c, str)]
        for name in columns:
            if name == "__str__":
                continue
            label = str(label_for_field(name, model, model_admin))
            if IN_FEN.search(label):
                problems.append(f"{where}: column {name} labelled {label!r}")
            if _money_field(model, name):
                problems.append(f"{where}: column {name} shows fen as a bare number")
        if isinstance(model_admin, admin.ModelAdmin):
            form = model_admin.get_form(request_as_owner)
        else:
            form = model_admin.get_formset(request_as_owner).form
        for name, field in form.base_fields.items():
            if IN_FEN.search(str(field.label or "")) or IN_FEN.search(str(field.help_text or "")):
                problems.append(f"{where}: form field {name} labelled {field.label!r}")
            if _money_field(model, name) and not isinstance(field, YuanField):
                problems.append(f"{where}: form field {name} edits fen, not yuan")
    assert not problems, "\n".join(problems)


def test_the_walk_sees_the_money_admins(request_as_owner):
    """The walk above must reach the pages that had fen labels, or it proves nothing."""
    seen = {model._meta.label for model, _ in _admins(request_as_owner)}
    assert {"channels.Commission", "channels.Reversal", "analytics.AdSpend", "orders.Order"} <= seen


def test_every_changelist_renders_without_fen_labels(client, request_as_owner):
    client.force_login(request_as_owner.user)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        assert not IN_FEN.search(response.content.decode()), url

"""/api/core/outbox: staff only, errors as {"code", "message"}, refusals change nothing."""

import pytest
from django.test import Client

from wxmall.core.models import OutboxAuditEntry, OutboxMessage, OutboxStatus


@pytest.fixture
def dead(db):
    return OutboxMessage.objects.create(
        destination="merchant_webhook",
        kind="order.status_changed",
        idempotency_key="api-1",
        status=OutboxStatus.DEAD,
        attempts=8,
        last_error="HTTP 500",
    )


@pytest.fixture
def staff_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("ops", is_staff=True))
    return client


@pytest.mark.django_db
def test_health_needs_a_staff_session(client, django_user_model, dead):
    response = client.get("/api/core/outbox/health")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    client.force_login(django_user_model.objects.create_user("buyer"))
    response = client.get("/api/core/outbox/health")
    assert response.status_code == 403 and response.json() == {
        "code": "permission_denied",
        "message": "没有权限执行此操作",
    }


@pytest.mark.django_db
def test_health_for_staff(staff_client, dead, webhook):
    body = staff_client.get("/api/core/outbox/health").json()
    assert body["counts"]["dead"] == 1 and body["counts"]["pending"] == 0
    [destination] = body["destinations"]
    assert destination["destination"] == "merchant_webhook" and destination["dead"] == 1
    assert destination["breaker_state"] == "closed" and destination["success_rate"] is None


@pytest.mark.django_db
def test_replay_and_discard_over_the_api(staff_client, dead):
    response = staff_client.post(f"/api/core/outbox/{dead.pk}/replay")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    response = staff_client.post(f"/api/core/outbox/{dead.pk}/replay")
    assert response.status_code == 409 and response.json()["code"] == "not_replayable"
    response = staff_client.post(
        f"/api/core/outbox/{dead.pk}/discard", {"reason": "  "}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "discard_reason_required"
    response = staff_client.post(
        f"/api/core/outbox/{dead.pk}/discard", "{oops", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    response = staff_client.post(
        f"/api/core/outbox/{dead.pk}/discard", {"reason": "已人工补发"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert list(OutboxAuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "replay",
        "discard",
    ]
    assert staff_client.post("/api/core/outbox/999999/replay").json()["code"] == "message_not_found"


@pytest.mark.django_db
def test_customer_cannot_replay(client, django_user_model, dead):
    client.force_login(django_user_model.objects.create_user("buyer"))
    assert client.post(f"/api/core/outbox/{dead.pk}/replay").status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD and OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_post_needs_csrf(django_user_model, dead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ops", is_staff=True))
    response = client.post(f"/api/core/outbox/{dead.pk}/replay")
    assert response.status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD

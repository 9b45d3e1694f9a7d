"""A/B tests: the same visitor always gets the same variant, exposures are logged only while a test runs,
results carry a two-proportion z-test checked by hand, and stop / ship are guarded."""

import json
import math
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from wxmall.analytics import experiments, store
from wxmall.analytics.actions import Source
from wxmall.analytics.models import Experiment, ExperimentStatus
from wxmall.analytics.testing import at, event, write_events
from wxmall.core.errors import DomainError

pytestmark = pytest.mark.django_db
PHONE = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"
DAY = date(2026, 12, 1)


@pytest.fixture
def landing():
    return Experiment.objects.create(key="landing-copy", name="落地页文案", variants=["A", "B"])


def test_assignment_is_deterministic_and_balanced(landing):
    picks = [experiments.variant_for(landing, f"visitor{i:05d}") for i in range(2000)]
    assert picks == [experiments.variant_for(landing, f"visitor{i:05d}") for i in range(2000)]
    assert 900 < picks.count("B") < 1100  # 50/50 within ±5% on 2000 visitors
    other = Experiment(key="other-test", variants=["A", "B"])
    assert picks != [experiments.variant_for(other, f"visitor{i:05d}") for i in range(2000)]  # per-test


def test_the_exposure_api_logs_while_running_and_not_after(landing):
    client = Client()
    url = f"/api/analytics/experiments/{landing.key}/exposure"
    first = client.post(url, HTTP_USER_AGENT=PHONE).json()["variant"]
    assert [client.post(url, HTTP_USER_AGENT=PHONE).json()["variant"] for _ in range(3)] == [first] * 3
    experiments.ship(landing.pk, "B")
    assert client.post(url, HTTP_USER_AGENT=PHONE).json()["variant"] == "B"
    store.flush(settle_seconds=0.0)
    con = store.connect(date.today().replace(day=1), date(2100, 1, 1))
    logged = con.execute("SELECT content_id FROM events WHERE type = 'exposure'").fetchall()
    assert logged == [(f"landing-copy:{first}",)] * 4  # the shipped answer logs nothing
    assert client.post("/api/analytics/experiments/nope/exposure", HTTP_USER_AGENT=PHONE).status_code == 404
    assert client.post("/api/analytics/experiments/<x>/exposure", HTTP_USER_AGENT=PHONE).status_code in {
        400,
        404,
    }
    assert client.post(url, HTTP_USER_AGENT="curl/8").status_code == 403


def test_exposure_cannot_be_claimed_in_a_batch():
    body = json.dumps({"events": [{"type": "exposure", "content_id": "landing-copy:B"}]})
    response = Client().post(
        "/api/analytics/events", data=body, content_type="application/json", HTTP_USER_AGENT=PHONE
    )
    assert response.status_code == 400


def test_results_and_the_z_test_by_hand(landing):
    # A: 1000 exposed, 100 paid; B: 1000 exposed, 130 paid.
    # pooled p = 230/2000 = 0.115; se = sqrt(0.115 × 0.885 × (1/1000 + 1/1000)) = 0.014267;
    # z = (0.13 − 0.10) / 0.014267 = 2.1027; two-sided p = erfc(2.1027 / √2) = 0.0355 < 0.05.
    rows = []
    for arm, paying in (("A", 100), ("B", 130)):
        for i in range(1000):
            visitor = f"{arm}{i}"
            rows.append(event("exposure", visitor, at(DAY), content_id=f"landing-copy:{arm}"))
            if i < paying:
                rows.append(event("order_paid", visitor, at(DAY, 13), order_no=f"{visitor}-o", amount=100))
    rows.append(event("exposure", "Z1", at(DAY), content_id="other-test:B"))  # another test's exposure
    write_events(rows)
    control, treated = experiments.results(landing, DAY, DAY)
    assert (control.variant, control.exposed, control.converted, control.rate) == ("A", 1000, 100, 0.1)
    assert (treated.exposed, treated.converted, treated.rate) == (1000, 130, 0.13)
    assert treated.z == pytest.approx(2.1027, abs=1e-4) and treated.p_value == pytest.approx(0.0355, abs=1e-4)
    assert treated.significant and control.z is None
    assert experiments.z_test(0, 0, 10, 1) is None and experiments.z_test(10, 0, 10, 0) is None
    assert math.isclose(experiments.z_test(100, 10, 100, 10)[1], 1.0)


def test_stop_and_ship_are_guarded_and_shown(landing):
    staff_user = get_user_model().objects.create_user("lead", password="pw-lead-123", is_staff=True)
    staff = Client()
    staff.force_login(staff_user)
    decide = f"/console/analytics/experiments/{landing.pk}/decide/"
    assert staff.post(decide, {"decision": "stop"}).status_code == 403
    staff_user.user_permissions.add(Permission.objects.get(codename="change_experiment"))
    staff.post(decide, {"decision": "stop"})
    landing.refresh_from_db()
    assert landing.status == ExperimentStatus.STOPPED
    assert experiments.variant_for(landing, "anyone") == "A"  # stopped: the control for everyone
    page = staff.post(decide, {"decision": "stop"}, follow=True).content.decode()
    assert "实验已停止或已全量" in page
    assert "实验没有这个版本" in staff.post(decide, {"variant": "C"}, follow=True).content.decode()
    staff.post(decide, {"variant": "B"})
    landing.refresh_from_db()
    assert (landing.status, landing.winner) == (ExperimentStatus.SHIPPED, "B")
    with pytest.raises(DomainError):
        experiments.ship(landing.pk, "A")  # shipped is final
    listing = staff.get("/console/analytics/experiments/").content.decode()
    assert "落地页文案" in listing and "已全量" in listing


def test_expose_records_the_server_known_visitor(landing):
    variant = experiments.expose(landing, Source(visitor="v-known", user_id=None, touch=None))
    store.flush(settle_seconds=0.0)
    con = store.connect(date(2000, 1, 1), date(2100, 1, 1))
    assert con.execute("SELECT visitor, content_id FROM events").fetchall() == [
        ("v-known", f"landing-copy:{variant}")
    ]

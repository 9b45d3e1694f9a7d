"""Personal data (PIPL): encrypted at rest (the SQLite file holds no plaintext phone number), masked in
logs, keys rotate, and a customer's data is exported or erased from the console, audited."""

import io
import json
import logging
import zipfile

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from wxmall.accounts.models import Address, User
from wxmall.accounts.testing import make_address, make_customer
from wxmall.audit.models import AuditEntry
from wxmall.core.fields import EncryptedTextField
from wxmall.core.logging import PersonalDataFilter, mask_text
from wxmall.orders.models import Order

PHONE, ID_CARD = "13987654321", "44030519900101123X"
# Field names that carry personal data wherever they appear, and the business numbers that are not.
PERSONAL = (
    "phone", "mobile", "recipient", "id_number", "id_card", "idcard", "ship_detail", "session_key", "real_name",
)  # fmt: skip
# Pickup stores' phones are the shop's business numbers; Django's session key is a random id, not data.
NOT_PERSONAL = {
    "pickup.pickupstore.phone",
    "pickup.pickuporder.store_phone",
    "sessions.session.session_key",
    # A company invoice title's registered address and phone (注册地址电话): printed on every VAT invoice the
    # company receives, and asked only of 单位 titles; not a person's contact.
    "invoicing.invoicetitle.phone",
    "invoicing.invoice.buyer_address_phone",
}


def _ordered(customer, sku):
    from wxmall.checkout import actions as checkout

    address = make_address(
        customer, phone=PHONE, recipient="李四", detail="幸福路 8 号 302 室", is_default=True
    )
    return checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)


def test_every_personal_field_is_encrypted():
    from django.apps import apps

    plain = [
        f"{m._meta.label_lower}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if any(word in f.name.lower() for word in PERSONAL)
        and not f.name.endswith("_hash")
        and not isinstance(f, EncryptedTextField)
        and f"{m._meta.label_lower}.{f.name}" not in NOT_PERSONAL
    ]
    assert plain == []


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside the test's transaction
def test_the_database_file_holds_no_plaintext_phone_number(tmp_path, sku):
    if connection.vendor != "sqlite":
        pytest.skip("the file check is about the embedded SQLite database")
    customer = make_customer(phone=PHONE)
    _ordered(customer, sku)
    from wxmall.members_import.models import ImportJob, ImportReject

    job = ImportJob.objects.create(
        staff=make_customer("importer", is_staff=True),
        original_name="m.csv",
        stored_name="x",
        size=1,
        file_format="csv",
    )
    ImportReject.objects.create(job=job, row_number=1, reason="手机号重复", values=["李四", PHONE])
    copy = tmp_path / "copy.db"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])  # the test database lives in memory: write it out
    raw = copy.read_bytes()
    assert len(raw) > 10_000
    for secret in (PHONE, "幸福路 8 号", "李四"):
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    assert User.objects.get(pk=customer.pk).phone == PHONE  # and it still reads back
    assert ImportReject.objects.get().values == ["李四", PHONE]


def test_logs_mask_phone_and_id_numbers_but_not_order_numbers():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger("test.pii")
    log.addHandler(handler)
    try:
        log.warning("bind %s id %s order %s", PHONE, ID_CARD, "202612021234567890123")
        log.warning("+86 13987654321 called")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert PHONE not in text and ID_CARD not in text
    assert "139****4321" in text and "4403**********123X" in text and "202612021234567890123" in text
    assert mask_text("电话：13987654321。") == "电话：139****4321。"


def test_the_root_handlers_carry_the_filter(settings):
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["personal_data"]
    root = logging.getLogger()
    assert any(isinstance(f, PersonalDataFilter) for h in root.handlers for f in h.filters)


@pytest.mark.django_db
def test_rotation_reencrypts_with_the_newest_key(settings, capsys):
    old, new = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    customer = make_customer(phone=PHONE)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    with pytest.raises(CommandError):
        call_command("reencrypt_fields", "--check")
    call_command("reencrypt_fields")
    call_command("reencrypt_fields", "--check")
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key retired: everything still reads
    assert User.objects.get(pk=customer.pk).phone == PHONE


@pytest.fixture
def officer(db):
    user = make_customer("privacy-officer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["export_personal_data", "erase_personal_data"])
    )
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_export_is_a_zip_of_everything_and_audited(officer, sku):
    customer = make_customer(phone=PHONE, nickname="小明")
    order = _ordered(customer, sku)
    r = officer.post("/console/privacy/export/", {"customer_id": customer.pk, "reason": "用户申请 #12"})
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    profile = json.loads(archive.read("profile.json"))
    orders = json.loads(archive.read("orders.json"))
    assert profile["phone"] == PHONE and orders[0]["order_no"] == order.order_no
    assert json.loads(archive.read("addresses.json"))[0]["detail"] == "幸福路 8 号 302 室"
    entry = AuditEntry.objects.get(action="privacy.export")
    assert entry.actor_id == officer.user.pk and PHONE not in json.dumps(entry.detail, ensure_ascii=False)


def test_erase_wipes_personal_fields_and_keeps_orders(officer, sku):
    customer = make_customer(phone=PHONE, nickname="小明")
    order = _ordered(customer, sku)
    form = {"customer_id": customer.pk, "confirm": customer.pk, "reason": "用户申请注销"}
    assert officer.post("/console/privacy/erase/", form).status_code == 302
    user = User.objects.get(pk=customer.pk)
    assert (user.phone, user.nickname, user.is_active, user.has_usable_password()) == (
        "",
        "已注销用户",
        False,
        False,
    )
    assert not Address.objects.filter(user=user).exists()
    kept = Order.objects.get(pk=order.pk)
    assert (kept.ship_phone, kept.ship_recipient, kept.order_no) == ("", "已注销用户", order.order_no)
    assert AuditEntry.objects.filter(action="privacy.erase", target_id=str(customer.pk)).exists()
    officer.post("/console/privacy/erase/", form)  # twice: refused, nothing more written
    assert AuditEntry.objects.filter(action="privacy.erase").count() == 1


def test_erase_needs_the_id_twice_and_the_permission(officer, db):
    customer = make_customer(phone=PHONE)
    r = officer.post(
        "/console/privacy/erase/", {"customer_id": customer.pk, "confirm": customer.pk + 1, "reason": "x"}
    )
    assert r.status_code == 400 and User.objects.get(pk=customer.pk).phone == PHONE
    exporter = make_customer("exporter", is_staff=True)
    exporter.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client = Client()
    client.force_login(exporter)
    form = {"customer_id": customer.pk, "confirm": customer.pk, "reason": "x"}
    assert client.post("/console/privacy/erase/", form).status_code == 403
    assert User.objects.get(pk=customer.pk).phone == PHONE
    staff = make_customer("another-staff", is_staff=True)
    r = officer.post("/console/privacy/erase/", {"customer_id": staff.pk, "confirm": staff.pk, "reason": "x"})
    assert r.status_code == 302 and User.objects.get(pk=staff.pk).is_active  # staff accounts are refused

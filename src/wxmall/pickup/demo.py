"""Demo pickup stores for `manage.py load_demo`: upserted by name, so running it again changes nothing."""

from __future__ import annotations

from django.db import transaction

from .models import PickupStore

STORES = [
    ("深圳南山旗舰店", "广东省深圳市南山区科技园科苑路 15 号 1 楼", "每天 10:00–22:00", "0755-86001234"),
    ("北京中关村店", "北京市海淀区中关村大街 27 号 2 层 A12", "每天 10:00–21:00", "010-62501234"),
]


@transaction.atomic
def load() -> str:
    created = 0
    for name, address, hours, phone in STORES:
        _, made = PickupStore.objects.update_or_create(
            name=name, defaults={"address": address, "hours": hours, "phone": phone, "active": True}
        )
        created += made
    return f"自提门店 {len(STORES)} 家（新建 {created} 家）"

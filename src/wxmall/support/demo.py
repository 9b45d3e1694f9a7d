"""Demo data of customer service: the computer shop's FAQ (upserted by intent; re-running changes nothing)."""

from __future__ import annotations

from django.db import transaction

from .demo_faq import FAQ
from .models import FaqEntry


@transaction.atomic
def load() -> str:
    created = 0
    for intent, question, variants, answer, tags in FAQ:
        values = {"question": question, "variants": "\n".join(variants), "answer": answer, "tags": list(tags)}
        entry = FaqEntry.objects.filter(intent=intent).first()
        if entry is None:
            FaqEntry.objects.create(intent=intent, **values)
            created += 1
        elif any(getattr(entry, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(entry, k, v)
            entry.save()  # through save(): the signal moves the index version
    return f"常见问题 {len(FAQ)} 条（新增 {created}）"

"""Every campaign value already on a tracked link or an ad spend row becomes a Campaign with that code,
so existing links and spend keep their figures and show up in the campaign console."""

from django.db import migrations


def forwards(apps, schema_editor):
    Campaign = apps.get_model("analytics", "Campaign")
    AdSpend = apps.get_model("analytics", "AdSpend")
    Link = apps.get_model("marketing", "Link")
    spans: dict[str, list] = {}
    for code, created_at in Link.objects.exclude(campaign="").values_list("campaign", "created_at"):
        day = created_at.date()
        span = spans.setdefault(code, [day, day])
        span[0], span[1] = min(span[0], day), max(span[1], day)
    for code, day in AdSpend.objects.exclude(campaign="").values_list("campaign", "day"):
        span = spans.setdefault(code, [day, day])
        span[0], span[1] = min(span[0], day), max(span[1], day)
    known = set(Campaign.objects.values_list("code", flat=True))
    Campaign.objects.bulk_create(
        Campaign(
            code=code, name=code[:60], starts_on=start, ends_on=end, notes="由已有推广链接或广告花费生成"
        )
        for code, (start, end) in sorted(spans.items())
        if code not in known
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0008_campaigns"),
        ("marketing", "0002_ad_click_customer_order_touch"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from wxmall.core.money import yuan
from wxmall.payments.reconcile import reconcile_day, yesterday


class Command(BaseCommand):
    help = "Reconcile one day's WeChat Pay trade bill (default: yesterday, Beijing time)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="bill date, YYYY-MM-DD")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else yesterday()
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD") from exc
        run = reconcile_day(day)
        for kind, t in sorted(run.totals.items()):
            self.stdout.write(
                f"{kind}: {t['count']} rows, paid {yuan(t['paid'])}, refunded {yuan(t['refunded'])},"
                f" fee {yuan(t['fee'])}, net {yuan(t['net'])}"
            )
        self.stdout.write(f"{day}: {run.bill_rows} bill rows, {run.differences} differences")

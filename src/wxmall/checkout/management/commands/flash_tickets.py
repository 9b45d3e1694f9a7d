"""Operate queued flash-sale admission by hand: drain the ticket stream, take over what dead workers
left, reconcile Redis with the database, or show where a sale stands."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "秒杀排队：drain（生成订单）、reclaim（接管中断的批次）、reconcile（对账修复 Redis）、show（查看活动状态）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["drain", "reclaim", "reconcile", "show"])
        parser.add_argument("--sale", type=int, action="append", help="flash sale id (reconcile/show)")
        parser.add_argument("--budget", type=float, default=60.0, help="drain: seconds at most")
        parser.add_argument("--idle", type=float, default=None, help="reclaim: minimum idle seconds")

    def handle(self, *args, action, sale, budget, idle, **options):
        from wxmall.checkout import admission, tickets

        if not admission.queued_mode():
            raise CommandError("FLASH_SALE_REDIS_URL / REDIS_URL is not set: flash sales are synchronous")
        if action == "drain":
            self.stdout.write(f"settled {tickets.drain(budget_seconds=budget)} tickets")
        elif action == "reclaim":
            self.stdout.write(f"settled {tickets.reclaim(min_idle_seconds=idle)} tickets")
        elif action == "reconcile":
            for line in tickets.reconcile(sale_ids=sale):
                self.stdout.write(json.dumps(line))
        else:
            if not sale:
                raise CommandError("show needs --sale ID")
            for sale_id in sale:
                snap = admission.store().snapshot(sale_id)
                snap["version"] = snap["version"].decode() if snap["version"] else None
                snap["queued"] = len(snap["queued"])
                snap["ordered"] = len(snap["ordered"])
                self.stdout.write(json.dumps({"sale": sale_id, **snap}))

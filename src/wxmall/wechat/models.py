"""Shared state of the WeChat client: one credential row per (appid, kind) and per-minute API stats."""

from __future__ import annotations

from django.db import models


class CredentialKind(models.TextChoices):
    ACCESS_TOKEN = "access_token", "access_token"
    JSAPI_TICKET = "jsapi_ticket", "jsapi_ticket"


class Credential(models.Model):
    """The deployment's one access_token (or jsapi_ticket) for an appid, and the refresher's lease.

    Changed only by guarded UPDATEs (see stores.DbStore): the lease (`lock_owner`, `locked_until`) lets
    one refresher fetch at a time, and a killed refresher's lease simply runs out.
    """

    appid = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=CredentialKind.choices)
    value = models.TextField(blank=True, default="")  # WeChat: store ≥ 512 characters
    expires_at = models.DateTimeField(null=True, blank=True)
    refresh_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(default=0)
    fetched_at = models.DateTimeField(null=True, blank=True)
    lock_owner = models.CharField(max_length=32, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    backoff_until = models.DateTimeField(null=True, blank=True)
    last_errcode = models.IntegerField(default=0)

    class Meta:
        verbose_name = "微信凭证"
        verbose_name_plural = "微信凭证"
        constraints = [models.UniqueConstraint(fields=["appid", "kind"], name="wechat_credential_unique")]

    def __str__(self) -> str:
        return f"{self.appid} {self.kind} v{self.version}"


# Latency histogram bucket upper bounds in milliseconds; the last bucket is open-ended.
LATENCY_BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
BUCKET_FIELDS = tuple(f"le_{i}" for i in range(len(LATENCY_BUCKETS_MS) + 1))


class ApiCallStat(models.Model):
    """Calls of one API of one app during one minute: counts, summed latency and a latency histogram.

    Rows are written by `metrics.flush` with one additive upsert per (minute, appid, api), so any number
    of processes aggregate into the same rows."""

    minute = models.DateTimeField()
    appid = models.CharField(max_length=32)
    api = models.CharField(max_length=64)
    calls = models.PositiveBigIntegerField(default=0)
    ok = models.PositiveBigIntegerField(default=0)
    latency_ms_sum = models.PositiveBigIntegerField(default=0)
    last_errcode = models.IntegerField(default=0)
    # one counter per LATENCY_BUCKETS_MS bound (le_0 ≤ 1 ms … le_12 ≤ 10 s), le_13 above the last
    le_0 = models.PositiveBigIntegerField(default=0)
    le_1 = models.PositiveBigIntegerField(default=0)
    le_2 = models.PositiveBigIntegerField(default=0)
    le_3 = models.PositiveBigIntegerField(default=0)
    le_4 = models.PositiveBigIntegerField(default=0)
    le_5 = models.PositiveBigIntegerField(default=0)
    le_6 = models.PositiveBigIntegerField(default=0)
    le_7 = models.PositiveBigIntegerField(default=0)
    le_8 = models.PositiveBigIntegerField(default=0)
    le_9 = models.PositiveBigIntegerField(default=0)
    le_10 = models.PositiveBigIntegerField(default=0)
    le_11 = models.PositiveBigIntegerField(default=0)
    le_12 = models.PositiveBigIntegerField(default=0)
    le_13 = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "微信接口调用统计"
        verbose_name_plural = "微信接口调用统计"
        constraints = [
            models.UniqueConstraint(fields=["minute", "appid", "api"], name="wechat_apicallstat_unique")
        ]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.minute:%H:%M} {self.appid} {self.api} {self.ok}/{self.calls}"

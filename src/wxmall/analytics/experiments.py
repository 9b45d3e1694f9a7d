"""A/B tests: deterministic assignment, exposure logging, results with a two-proportion z-test, stop and
ship. The assignment is a pure function of (key, visitor), so any process on any host, today or next
month, gives a visitor the same variant; a grey release can use the same function."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date

from wxmall.core.errors import DomainError

from . import actions, queries
from .errors import AnalyticsError
from .models import EventType, Experiment, ExperimentStatus

SIGNIFICANCE = 0.05


def bucket(key: str, visitor: str, buckets: int) -> int:
    digest = hashlib.sha256(f"{key}:{visitor}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def variant_for(experiment: Experiment, visitor: str) -> str:
    if experiment.status == ExperimentStatus.SHIPPED:
        return experiment.winner
    if experiment.status == ExperimentStatus.STOPPED:
        return experiment.variants[0]
    return experiment.variants[bucket(experiment.key, visitor, len(experiment.variants))]


def expose(experiment: Experiment, source: actions.Source) -> str:
    """The visitor's variant; while the test runs, the showing is logged as an exposure event."""
    variant = variant_for(experiment, source.visitor)
    if experiment.status == ExperimentStatus.RUNNING:
        actions.record(
            [{"type": str(EventType.EXPOSURE), "content_id": f"{experiment.key}:{variant}"}], source
        )
    return variant


def stop(experiment_id: int) -> None:
    if not Experiment.objects.filter(pk=experiment_id, status=ExperimentStatus.RUNNING).update(
        status=ExperimentStatus.STOPPED
    ):
        raise DomainError(AnalyticsError.EXPERIMENT_NOT_RUNNING)


def ship(experiment_id: int, variant: str) -> None:
    experiment = Experiment.objects.filter(pk=experiment_id).first()
    if experiment is None or variant not in experiment.variants:
        raise DomainError(AnalyticsError.UNKNOWN_VARIANT)
    shipped = Experiment.objects.filter(
        pk=experiment_id, status__in=[ExperimentStatus.RUNNING, ExperimentStatus.STOPPED]
    ).update(status=ExperimentStatus.SHIPPED, winner=variant)
    if not shipped:
        raise DomainError(AnalyticsError.EXPERIMENT_NOT_RUNNING)


@dataclass(frozen=True)
class Arm:
    variant: str
    exposed: int
    converted: int
    rate: float | None
    z: float | None = None  # against the control
    p_value: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < SIGNIFICANCE


def z_test(n1: int, c1: int, n2: int, c2: int) -> tuple[float, float] | None:
    """Two-proportion z-test (pooled), two-sided: (z, p). None when it is undefined."""
    if not n1 or not n2:
        return None
    pooled = (c1 + c2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    z = (c2 / n2 - c1 / n1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def results(experiment: Experiment, start: date, end: date) -> list[Arm]:
    """Per variant: visitors exposed in the range, and how many of them paid an order in it."""
    with queries.Board(queries.Filters(start=start, end=end)) as board:
        rows = board.rows(
            """
            WITH x AS (
                SELECT visitor, min(content_id) AS arm FROM events
                WHERE type = 'exposure' AND starts_with(content_id, ?) AND visitor IS NOT NULL GROUP BY visitor
            ), paid AS (SELECT DISTINCT visitor FROM vd WHERE paid_orders > 0)
            SELECT x.arm, count(*) AS exposed, count(paid.visitor) AS converted
            FROM x LEFT JOIN paid USING (visitor) GROUP BY x.arm
            """,
            [f"{experiment.key}:"],
        )
    found = {r["arm"].split(":", 1)[1]: (int(r["exposed"]), int(r["converted"])) for r in rows}
    control = found.get(experiment.variants[0], (0, 0))
    arms = []
    for index, variant in enumerate(experiment.variants):
        exposed, converted = found.get(variant, (0, 0))
        tested = z_test(*control, exposed, converted) if index else None
        arms.append(
            Arm(variant, exposed, converted, queries.ratio(converted, exposed), *(tested or (None, None)))
        )
    return arms

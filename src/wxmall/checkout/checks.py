"""`manage.py check --deploy`: the flash-sale Redis must keep queued tickets across a restart."""

from __future__ import annotations

from django.core.checks import Warning, register


@register("checkout", deploy=True)
def check_flash_sale_redis(app_configs=None, **kwargs) -> list[Warning]:
    from . import admission

    if not admission.queued_mode():
        return []
    import redis

    try:
        info = admission.store().redis.info("persistence")
        policy = admission.store().redis.config_get("maxmemory-policy").get("maxmemory-policy", "")
    except redis.ResponseError:  # managed Redis may refuse CONFIG: judge what INFO says
        policy = ""
    except redis.RedisError as exc:
        return [Warning(f"Flash-sale Redis unreachable: {type(exc).__name__}", id="checkout.W003")]
    found = []
    if not int(info.get("aof_enabled", 0)):
        found.append(
            Warning(
                "The flash-sale Redis runs without AOF: a restart loses the tickets still queued.",
                hint="Set appendonly yes and appendfsync everysec (README: Flash sales at scale).",
                id="checkout.W001",
            )
        )
    if policy and policy != "noeviction":
        found.append(
            Warning(
                f"The flash-sale Redis may evict keys (maxmemory-policy {policy}).",
                hint="Use maxmemory-policy noeviction for the Redis that admits flash-sale buyers.",
                id="checkout.W002",
            )
        )
    return found

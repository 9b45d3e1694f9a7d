"""The flash-sale state kept in Redis, and the Lua scripts that change it. Every change is one script,
so it is atomic in Redis: admission checks and reserves in the same step as it queues the ticket.

Keys (one Redis primary; the scripts touch one sale's keys and the shared stream, so not Redis Cluster):

    wxmall:flash:sale:<id>          hash  active, starts, ends (epoch ms), limit, quota, left, version
    wxmall:flash:sale:<id>:users    hash  user id → units this customer holds (queued + ordered)
    wxmall:flash:sale:<id>:queued   set   tickets admitted, not yet an order
    wxmall:flash:sale:<id>:ordered  set   tickets whose order holds its units
    wxmall:flash:ticket:<ticket>    hash  sale, user, qty, address, admitted, state, order_no, code
    wxmall:flash:stream             stream of admitted tickets (the queue record), group `materialisers`
    wxmall:flash:kick               a short marker: a drain was asked for recently
    wxmall:flash:addr:<user>        set   address ids the database confirmed are this customer's (a
                                          cache for admission's pre-check; TTL, dropped on delete)

A ticket's state only moves forward, each move once, by script: queued → ordered → released, or
queued → failed / released. The moves that end a hold (failed, released) give the units back, so each
unit returns exactly once however often a move is attempted. `version` counts every change of a sale's
counters; reconciliation writes only if it did not move while the database was read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import redis

PREFIX = "wxmall:flash"
STREAM = f"{PREFIX}:stream"
GROUP = "materialisers"
KICK = f"{PREFIX}:kick"
# How long a ticket's status outlives the end of its sale (polling, replays of the same request).
TICKET_TTL_MS = 7 * 24 * 3600 * 1000

HOLDING = ("queued", "ordered")


def sale_keys(sale_id: int) -> list[str]:
    base = f"{PREFIX}:sale:{sale_id}"
    return [base, f"{base}:users", f"{base}:queued", f"{base}:ordered"]


def ticket_key(ticket: str) -> str:
    return f"{PREFIX}:ticket:{ticket}"


def address_key(user_id: int) -> str:
    return f"{PREFIX}:addr:{user_id}"


# How long admission trusts that an address is the customer's without asking the database. Only
# positive answers are kept, so a stale entry can at worst admit a ticket whose address has just gone:
# the worker then refuses it (address_not_found) and the unit goes back, as for any refused ticket.
ADDRESS_TTL_MS = 30 * 60 * 1000


# KEYS: sale, users, queued, ordered, ticket, stream, kick, customer's addresses
# ARGV: sale id, now ms, user id, qty, ticket, address id, kick ms, ticket ttl ms,
#       address confirmed by the database just now (1/0), address ttl ms
_ADMIT = """
local sale = KEYS[1]
if redis.call('EXISTS', sale) == 0 then return {'unarmed'} end
local seen = redis.call('HMGET', KEYS[5], 'state', 'user')
if seen[1] then
  if seen[2] ~= ARGV[3] then return {'conflict'} end
  return {'replay', seen[1]}
end
if redis.call('SISMEMBER', KEYS[8], ARGV[6]) == 0 then
  if ARGV[9] ~= '1' then return {'address_unknown'} end
  redis.call('SADD', KEYS[8], ARGV[6])
  redis.call('PEXPIRE', KEYS[8], tonumber(ARGV[10]))
end
local f = redis.call('HMGET', sale, 'active', 'starts', 'ends', 'limit', 'left')
local now = tonumber(ARGV[2])
if f[1] ~= '1' or now < tonumber(f[2]) or now >= tonumber(f[3]) then return {'flash_sale_not_active'} end
local qty = tonumber(ARGV[4])
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
if held + qty > tonumber(f[4]) then return {'flash_sale_user_limit'} end
if tonumber(f[5]) < qty then return {'flash_sale_sold_out'} end
redis.call('HINCRBY', sale, 'left', -qty)
redis.call('HINCRBY', sale, 'version', 1)
redis.call('HINCRBY', KEYS[2], ARGV[3], qty)
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[5], 'sale', ARGV[1], 'user', ARGV[3], 'qty', qty, 'address', ARGV[6],
  'admitted', ARGV[2], 'state', 'queued')
redis.call('PEXPIREAT', KEYS[5], tonumber(f[3]) + tonumber(ARGV[8]))
redis.call('XADD', KEYS[6], '*', 'ticket', ARGV[5], 'sale', ARGV[1], 'user', ARGV[3], 'qty', qty,
  'address', ARGV[6], 'admitted', ARGV[2])
local kick = redis.call('SET', KEYS[7], '1', 'PX', ARGV[7], 'NX')
if kick then return {'queued', 1} end
return {'queued', 0}
"""

# KEYS: sale, users, queued, ordered, ticket
# ARGV: ticket, target state (ordered | failed | released), order_no or error code
_MOVE = """
local t = redis.call('HMGET', KEYS[5], 'state', 'user', 'qty')
local state, target = t[1], ARGV[2]
if not state then return 'missing' end
if target == 'ordered' then
  if state ~= 'queued' then return state end
  redis.call('SMOVE', KEYS[3], KEYS[4], ARGV[1])
  redis.call('HSET', KEYS[5], 'state', 'ordered', 'order_no', ARGV[3])
  return 'ordered'
end
if state ~= 'queued' and state ~= 'ordered' then return state end
if target == 'failed' and state ~= 'queued' then return state end
local qty = tonumber(t[3])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'left', qty)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  if redis.call('HINCRBY', KEYS[2], t[2], -qty) <= 0 then redis.call('HDEL', KEYS[2], t[2]) end
end
redis.call('HSET', KEYS[5], 'state', target, 'code', ARGV[3])
return target
"""

# KEYS: sale, users, queued, ordered
# ARGV: active, starts, ends, limit, quota, left, then user id / units pairs
_ARM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'active', ARGV[1], 'starts', ARGV[2], 'ends', ARGV[3], 'limit', ARGV[4],
  'quota', ARGV[5], 'left', ARGV[6], 'version', 0)
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""

# KEYS: sale, users, queued, ordered
# ARGV: expected version, active, starts, ends, limit, quota, left, n users, user/units pairs…,
#       then tickets to mark released (their orders were cancelled; the database already freed them)
_RECONCILE = (
    """
local version = redis.call('HGET', KEYS[1], 'version')
if version ~= ARGV[1] then return {'busy'} end
local left_before = tonumber(redis.call('HGET', KEYS[1], 'left'))
redis.call('HSET', KEYS[1], 'active', ARGV[2], 'starts', ARGV[3], 'ends', ARGV[4], 'limit', ARGV[5],
  'quota', ARGV[6], 'left', ARGV[7])
local users_before = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
local n = tonumber(ARGV[8])
local drift = 0
local wanted = {}
for i = 9, 8 + 2 * n, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  wanted[ARGV[i]] = ARGV[i + 1]
end
for i = 1, #users_before, 2 do
  if wanted[users_before[i]] ~= users_before[i + 1] then drift = drift + 1 end
  wanted[users_before[i]] = nil
end
for _, _ in pairs(wanted) do drift = drift + 1 end
for i = 9 + 2 * n, #ARGV do
  redis.call('SREM', KEYS[3], ARGV[i])
  redis.call('SREM', KEYS[4], ARGV[i])
  redis.call('HSET', '"""
    + PREFIX
    + """:ticket:' .. ARGV[i], 'state', 'released', 'code', 'reconciled')
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return {'ok', tonumber(ARGV[7]) - left_before, drift}
"""
)


@dataclass(frozen=True)
class SaleConfig:
    """What admission checks, from the database row (times in epoch milliseconds)."""

    active: bool
    starts_ms: int
    ends_ms: int
    limit: int
    quota: int

    def argv(self) -> list:
        return [int(self.active), self.starts_ms, self.ends_ms, self.limit, self.quota]


class FlashStore:
    """One Redis connection pool and the registered scripts (EVALSHA, reloaded by redis-py if Redis
    restarted without them)."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=10
        )
        self._admit = self.redis.register_script(_ADMIT)
        self._move = self.redis.register_script(_MOVE)
        self._arm = self.redis.register_script(_ARM)
        self._reconcile = self.redis.register_script(_RECONCILE)

    def admit(
        self,
        sale_id: int,
        *,
        now_ms: int,
        user_id: int,
        qty: int,
        ticket: str,
        address_id: int,
        kick_ms: int,
        address_confirmed: bool = False,
    ) -> tuple[str, object]:
        keys = [*sale_keys(sale_id), ticket_key(ticket), STREAM, KICK, address_key(user_id)]
        args = [sale_id, now_ms, user_id, qty, ticket, address_id, kick_ms, TICKET_TTL_MS]
        args += [int(address_confirmed), ADDRESS_TTL_MS]
        result = self._admit(keys=keys, args=args)
        outcome = result[0].decode()
        extra = result[1] if len(result) > 1 else None
        return outcome, extra.decode() if isinstance(extra, bytes) else extra

    def move(self, sale_id: int, ticket: str, target: str, note: str = "", pipe=None):
        """Move a ticket to `target`; returns the state it ended in (or 'missing'). With `pipe`, queued
        on that pipeline instead (its result comes back from `pipe.execute()`)."""
        keys = [*sale_keys(sale_id), ticket_key(ticket)]
        if pipe is not None:
            return self._move(keys=keys, args=[ticket, target, note], client=pipe)
        return self._move(keys=keys, args=[ticket, target, note]).decode()

    def arm(self, sale_id: int, config: SaleConfig, left: int, users: dict[int, int]) -> bool:
        pairs = [v for user, units in users.items() if units > 0 for v in (user, units)]
        return bool(self._arm(keys=sale_keys(sale_id), args=[*config.argv(), max(left, 0), *pairs]))

    def reconcile(
        self,
        sale_id: int,
        version: bytes | None,
        config: SaleConfig,
        left: int,
        users: dict[int, int],
        released: list[str],
    ):
        pairs = [v for user, units in users.items() if units > 0 for v in (user, units)]
        args = [version or b"", *config.argv(), max(left, 0), len(pairs) // 2, *pairs, *released]
        return self._reconcile(keys=sale_keys(sale_id), args=args)

    def confirm_address(self, user_id: int, address_id: int) -> None:
        """Remember that the database said `address_id` is this customer's (see ADDRESS_TTL_MS)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.sadd(address_key(user_id), address_id)
        pipe.pexpire(address_key(user_id), ADDRESS_TTL_MS)
        pipe.execute()

    def forget_addresses(self, user_id: int) -> None:
        self.redis.delete(address_key(user_id))

    def ticket(self, ticket: str) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.redis.hgetall(ticket_key(ticket)).items()}

    def snapshot(self, sale_id: int) -> dict:
        """What reconciliation compares: version, left, the queued tickets with their holder and units,
        and the ordered tickets."""
        sale, users, queued, ordered = sale_keys(sale_id)
        pipe = self.redis.pipeline(transaction=True)  # MULTI: one consistent view of the four keys
        pipe.hmget(sale, "version", "left")
        pipe.smembers(queued)
        pipe.smembers(ordered)
        (version, left), queued_ids, ordered_ids = pipe.execute()
        queued_ids = sorted(t.decode() for t in queued_ids)
        pipe = self.redis.pipeline(transaction=False)
        for t in queued_ids:
            pipe.hmget(ticket_key(t), "user", "qty")
        holders = pipe.execute()
        return {
            "armed": version is not None,
            "version": version,
            "left": int(left) if left is not None else None,
            "queued": {t: (int(u), int(q)) for t, (u, q) in zip(queued_ids, holders, strict=True) if u and q},
            "ordered": sorted(t.decode() for t in ordered_ids),
        }

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


@functools.lru_cache(maxsize=4)
def store_for(url: str) -> FlashStore:
    """One pool per process and URL (a cache of connections, not shared business state)."""
    return FlashStore(url)

"""Telegram's flood control: leaky buckets per bot and per group, answered with 429.

Telegram allows about 30 requests a second overall and 20 a minute in one group, and
answers more with "429 Too Many Requests" and a ``retry_after``. The emulator enforces the
same limits (made configurable so tests can use short periods) so that the bot's rate
limiter is proven to keep it under them, not just assumed to.
"""

import math
import time
from dataclasses import dataclass

from bot.emulator.protocol import ApiError, Params

# One request above capacity is tolerated: the client limiter (aiolimiter) and this server
# measure time at slightly different moments, and a well-behaved bot must never be punished
# for that jitter.
_FLOOD_TOLERANCE = 1.0


@dataclass
class FloodLimits:
    """Telegram's flood limits, made configurable so tests can use short periods."""

    overall_per_second: float = 30
    group_max: float = 20
    group_period: float = 60.0


@dataclass
class _Bucket:
    """A leaky bucket: ``capacity`` requests at once, draining ``rate`` per second."""

    capacity: float
    rate: float
    level: float = 0.0
    updated: float = 0.0

    def _drain(self, now: float) -> None:
        self.level = max(0.0, self.level - (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        self._drain(now)
        excess = self.level + 1 - (self.capacity + _FLOOD_TOLERANCE)
        return max(0.0, excess / self.rate)

    def add(self, now: float) -> None:
        self._drain(now)
        self.level += 1


class FloodControl:
    """The buckets and the count of refused requests. Setting ``limits`` (at construction
    or later, as a test does mid-run) starts counting afresh with buckets of that size."""

    def __init__(self, limits: FloodLimits | None) -> None:
        self.violations = 0
        self.limits = limits

    @property
    def limits(self) -> FloodLimits | None:
        return self._limits

    @limits.setter
    def limits(self, limits: FloodLimits | None) -> None:
        self._limits = limits
        self._groups: dict[int, _Bucket] = {}
        self._overall = (
            None if limits is None
            else _Bucket(limits.overall_per_second, limits.overall_per_second, 0, time.monotonic())
        )

    def check(self, params: Params) -> None:
        """Count a request or refuse it with 429, applied like PTB's AIORateLimiter: every
        request with a chat_id counts overall, and a group's requests also count for that
        group."""
        chat_id = params.get("chat_id")
        if self.limits is None or self._overall is None or not isinstance(chat_id, int):
            return
        now = time.monotonic()
        buckets = [self._overall]
        if chat_id < 0 and self.limits.group_period > 0:
            rate = self.limits.group_max / self.limits.group_period
            buckets.append(
                self._groups.setdefault(chat_id, _Bucket(self.limits.group_max, rate, 0, now))
            )
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.violations += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        for bucket in buckets:
            bucket.add(now)

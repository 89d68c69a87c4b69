"""Per-sender message rate limit for the public chat channels (a token bucket per learner id, in memory).

A learner may send `burst` messages at once and then `per_second` messages a second on average: quick taps through
steps they already know pass, a script or a stuck client sending at machine speed is slowed down before NLU, the
dialogue and the store do any work. Why not web/ratelimit.py's sliding window: it counts failed sign-ins over
minutes and blocks until the oldest one expires; here a learner over the limit should wait about a second, not ten.

The count lives in one Rasa server process and starts from zero when it restarts. Learner ids are chosen by the
client, so this protects the service from one runaway client, not from someone inventing many ids: limits per
network address belong to the reverse proxy in front of the servers (a school's learners share one address).
"""
from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Mapping

from bot.config import positive_number, positive_whole_number

DEFAULT_BURST = 10
DEFAULT_PER_SECOND = 1.0
# Senders active in the last burst/per_second seconds (10 s by default), far more than one Rasa process can serve;
# about 270 bytes each with a 32-character id (measured with tracemalloc), so under 15 MB.
DEFAULT_MAX_SENDERS = 50_000

SLOW_DOWN_REPLY = "You're sending messages faster than I can read them. Please wait a moment, then send it again."


def slow_down_error(limit: "MessageRateLimit", wait: int) -> str:
    """The REST channel's 429 error text."""
    return (f"Too many messages from this learner id: up to {limit.burst} at once, then {limit.per_second:g} a "
            f"second. Slow down, wait {wait} s (Retry-After) and send the message again.")


@dataclass(frozen=True)
class MessageRateLimit:
    """burst (int): messages a learner may send at once (env PAUSECHECK_MESSAGE_BURST).
    per_second (float): messages a second allowed on average after that (env PAUSECHECK_MESSAGES_PER_SECOND)."""

    burst: int = DEFAULT_BURST
    per_second: float = DEFAULT_PER_SECOND

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "MessageRateLimit":
        return cls(burst=positive_whole_number(environ, "PAUSECHECK_MESSAGE_BURST", DEFAULT_BURST),
                   per_second=positive_number(environ, "PAUSECHECK_MESSAGES_PER_SECOND", DEFAULT_PER_SECOND))


class MessageRateLimiter:
    """A token bucket per sender: `burst` tokens, refilled at `per_second`; each message passed takes one.

    Memory is bounded: a bucket that has refilled completely is the same as no bucket, so it is dropped once the
    sender has been idle that long (burst / per_second seconds). Beyond `max_senders` recently active senders the
    least recently active is dropped first, which only gives that sender a fresh burst.
    """

    def __init__(self, limit: MessageRateLimit, *, max_senders: int = DEFAULT_MAX_SENDERS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.max_senders = max_senders
        self._clock = clock
        self._refill_seconds = limit.burst / limit.per_second
        # sender -> (tokens left, when counted); least recently active first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, sender: str) -> int | None:
        """Counts one message from `sender`. RETURNS None when it may pass, else the whole seconds to wait
        (the message is then not counted)."""
        now = self._clock()
        self._forget_idle(now)
        tokens, counted_at = self._buckets.pop(sender, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - counted_at) * self.limit.per_second)
        wait = None
        if tokens >= 1:
            tokens -= 1
        else:
            wait = max(1, math.ceil((1 - tokens) / self.limit.per_second))
        self._buckets[sender] = (tokens, now)
        while len(self._buckets) > self.max_senders:
            self._buckets.popitem(last=False)
        return wait

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            _, counted_at = next(iter(self._buckets.values()))
            if now - counted_at < self._refill_seconds:
                return
            self._buckets.popitem(last=False)

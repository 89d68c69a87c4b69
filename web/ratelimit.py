"""Limits failed facilitator sign-ins per client address, in memory.

The count lives in this process only: Pause & Check runs one web process (`python -m web`, one Sanic worker); with
several workers or servers each would keep its own count and the effective limit would multiply. It also starts from
zero when the server restarts.
"""
from __future__ import annotations

import ipaddress
import math
import os
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable, Mapping

from bot.config import positive_whole_number

DEFAULT_MAX_FAILURES = 5
DEFAULT_WINDOW_SECONDS = 300
# About 1 MB of timestamps at most; see FailureLimiter for what happens beyond it.
DEFAULT_MAX_CLIENTS = 10_000


@dataclass(frozen=True)
class SignInLimit:
    """max_failures (int): failed sign-ins a client may make within the window (env PAUSECHECK_SIGNIN_MAX_FAILURES).
    window_seconds (int): how long each failure counts (env PAUSECHECK_SIGNIN_WINDOW_SECONDS)."""

    max_failures: int = DEFAULT_MAX_FAILURES
    window_seconds: int = DEFAULT_WINDOW_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "SignInLimit":
        return cls(max_failures=positive_whole_number(environ, "PAUSECHECK_SIGNIN_MAX_FAILURES", DEFAULT_MAX_FAILURES),
                   window_seconds=positive_whole_number(environ, "PAUSECHECK_SIGNIN_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS))


def client_key(address: str) -> str:
    """The unit the limit applies to: an IPv4 address, or an IPv6 /64 network, because one home or phone
    connection is given a whole /64 and could otherwise try from millions of addresses."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address  # a UNIX socket name or an odd proxy value: limit it as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FailureLimiter:
    """Allows at most `limit.max_failures` failures per client in any `limit.window_seconds` (a sliding window).

    Memory is bounded: a client is forgotten once its latest failure leaves the window, and beyond `max_clients`
    the client whose latest failure is oldest is dropped first. An attacker with more addresses than that only
    gets their own entries forgotten sooner; they cannot grow the table.
    """

    def __init__(self, limit: SignInLimit, *, max_clients: int = DEFAULT_MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.max_clients = max_clients
        self._clock = clock
        # client -> times of its latest failures; ordered by latest failure, oldest first
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until `client` may try again, or None when it may try now."""
        times = self._failures.get(client)
        if times is None or len(times) < self.limit.max_failures:
            return None
        wait = times[0] + self.limit.window_seconds - self._clock()
        return math.ceil(wait) if wait > 0 else None

    def record_failure(self, client: str) -> None:
        now = self._clock()
        self._forget_expired(now)
        times = self._failures.pop(client, None) or deque(maxlen=self.limit.max_failures)
        times.append(now)
        self._failures[client] = times
        while len(self._failures) > self.max_clients:
            self._failures.popitem(last=False)

    def _forget_expired(self, now: float) -> None:
        while self._failures:
            oldest = next(iter(self._failures.values()))
            if oldest[-1] + self.limit.window_seconds > now:
                return
            self._failures.popitem(last=False)

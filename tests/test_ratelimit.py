"""The failed sign-in limiter, on a fake clock."""
from __future__ import annotations

import pytest

from tests.conftest import FakeSeconds
from web.ratelimit import FailureLimiter, SignInLimit, client_key


@pytest.fixture
def limiter(fake_seconds: FakeSeconds) -> FailureLimiter:
    """5 failures per 300 s, at most 3 clients remembered."""
    return FailureLimiter(SignInLimit(max_failures=5, window_seconds=300), max_clients=3, clock=fake_seconds)


def test_limits_after_max_failures_until_the_first_leaves_the_window(limiter, fake_seconds):
    for _ in range(4):
        limiter.record_failure("a")
        fake_seconds.now += 10
    assert limiter.retry_after("a") is None
    limiter.record_failure("a")  # the 5th, at t+40
    assert limiter.retry_after("a") == 260  # the 1st (t+0) counts until t+300
    assert limiter.retry_after("b") is None  # other clients are not affected
    fake_seconds.now += 259.5
    assert limiter.retry_after("a") == 1  # rounded up: never "try again in 0 seconds"
    fake_seconds.now += 0.5
    assert limiter.retry_after("a") is None
    limiter.record_failure("a")  # sliding window: the 2nd to 6th failures are within 300 s again
    assert limiter.retry_after("a") == 10


def test_clients_are_forgotten_once_their_failures_expire(limiter, fake_seconds):
    limiter.record_failure("a")
    fake_seconds.now += 301
    limiter.record_failure("b")
    assert len(limiter) == 1


def test_table_never_holds_more_than_max_clients(limiter):
    for client in ("a", "b", "c", "d", "e"):
        for _ in range(5):
            limiter.record_failure(client)
    assert len(limiter) == 3
    assert limiter.retry_after("a") is None and limiter.retry_after("b") is None  # oldest dropped first
    assert limiter.retry_after("e") is not None


def test_a_new_failure_keeps_a_client_from_being_dropped(limiter):
    for client in ("a", "b", "c"):
        limiter.record_failure(client)
    limiter.record_failure("a")
    limiter.record_failure("d")
    assert len(limiter) == 3
    for _ in range(3):
        limiter.record_failure("a")
    assert limiter.retry_after("a") is not None


@pytest.mark.parametrize("address, key", [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("[2001:db8:1:2:bbbb::9]", "2001:db8:1:2::/64"),  # Sanic brackets proxied IPv6 addresses
    ("::ffff:192.0.2.7", "192.0.2.7"),
    ("unix-socket", "unix-socket"),
])
def test_client_key(address, key):
    assert client_key(address) == key


def test_settings_from_env():
    assert SignInLimit.from_env({}) == SignInLimit(max_failures=5, window_seconds=300)
    assert SignInLimit.from_env({"PAUSECHECK_SIGNIN_MAX_FAILURES": "10",
                                 "PAUSECHECK_SIGNIN_WINDOW_SECONDS": "60"}) == SignInLimit(10, 60)


@pytest.mark.parametrize("value", ["0", "-1", "five", ""])
def test_settings_refuse_what_is_not_a_positive_whole_number(value):
    with pytest.raises(ValueError) as error:
        SignInLimit.from_env({"PAUSECHECK_SIGNIN_WINDOW_SECONDS": value})
    assert str(error.value) == (f"PAUSECHECK_SIGNIN_WINDOW_SECONDS must be a positive whole number, got {value!r} "
                                "(default 300).")

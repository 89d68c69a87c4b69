"""The per-sender message rate limit (token bucket), with a clock the tests move."""
from __future__ import annotations

import pytest

from channels.message_rate import MessageRateLimit, MessageRateLimiter, slow_down_error


@pytest.fixture
def limiter(fake_seconds) -> MessageRateLimiter:
    """The defaults: 10 at once, then 1 a second."""
    return MessageRateLimiter(MessageRateLimit(), clock=fake_seconds)


def test_a_burst_passes_then_one_a_second(limiter, fake_seconds):
    assert [limiter.take("ana") for _ in range(10)] == [None] * 10
    assert limiter.take("ana") == 1
    assert limiter.take("ana") == 1  # refused messages do not count, so waiting one second is enough
    fake_seconds.now += 1
    assert limiter.take("ana") is None
    assert limiter.take("ana") == 1
    fake_seconds.now += 0.4
    assert limiter.take("ana") == 1  # 0.4 of a token: wait 0.6 s, rounded up to whole seconds for Retry-After


def test_senders_have_their_own_buckets(limiter):
    for _ in range(10):
        limiter.take("ana")
    assert limiter.take("ana") == 1
    assert limiter.take("ben") is None


def test_a_slow_rate_says_how_long_to_wait(fake_seconds):
    limiter = MessageRateLimiter(MessageRateLimit(burst=1, per_second=0.25), clock=fake_seconds)
    assert limiter.take("ana") is None
    assert limiter.take("ana") == 4
    fake_seconds.now += 3
    assert limiter.take("ana") == 1


def test_idle_senders_are_forgotten(limiter, fake_seconds):
    for sender in ("ana", "ben", "cem"):
        limiter.take(sender)
    fake_seconds.now += 5
    limiter.take("ana")
    fake_seconds.now += 5  # ben and cem idle 10 s: their buckets are full again, the same as no bucket
    limiter.take("dee")
    assert len(limiter) == 2


def test_memory_is_bounded_by_max_senders(fake_seconds):
    limiter = MessageRateLimiter(MessageRateLimit(burst=2, per_second=1), max_senders=100, clock=fake_seconds)
    limiter.take("ana")
    limiter.take("ana")
    for number in range(10_000):
        limiter.take(f"flood-{number}")
    assert len(limiter) == 100
    assert limiter.take("ana") is None  # dropped when full: the least recently active sender starts afresh


def test_limits_come_from_the_environment():
    assert MessageRateLimit.from_env({}) == MessageRateLimit(burst=10, per_second=1.0)
    limit = MessageRateLimit.from_env({"PAUSECHECK_MESSAGE_BURST": "3", "PAUSECHECK_MESSAGES_PER_SECOND": "0.5"})
    assert limit == MessageRateLimit(burst=3, per_second=0.5)


@pytest.mark.parametrize("environ, message", [
    ({"PAUSECHECK_MESSAGE_BURST": "0"}, "PAUSECHECK_MESSAGE_BURST must be a positive whole number, got '0' "
                                        "(default 10)."),
    ({"PAUSECHECK_MESSAGE_BURST": "ten"}, "PAUSECHECK_MESSAGE_BURST must be a positive whole number, got 'ten'"),
    ({"PAUSECHECK_MESSAGES_PER_SECOND": "0"}, "PAUSECHECK_MESSAGES_PER_SECOND must be a positive number such as 1 "
                                              "or 0.5, got '0' (default 1)."),
    ({"PAUSECHECK_MESSAGES_PER_SECOND": "nan"}, "got 'nan'"),
    ({"PAUSECHECK_MESSAGES_PER_SECOND": "inf"}, "got 'inf'"),
    ({"PAUSECHECK_MESSAGES_PER_SECOND": "fast"}, "got 'fast'"),
])
def test_bad_limits_are_refused_with_the_variable_name(environ, message):
    with pytest.raises(ValueError) as error:
        MessageRateLimit.from_env(environ)
    assert message in str(error.value)


def test_the_error_says_the_limit_and_the_wait():
    assert slow_down_error(MessageRateLimit(), 2) == (
        "Too many messages from this learner id: up to 10 at once, then 1 a second. Slow down, wait 2 s "
        "(Retry-After) and send the message again.")

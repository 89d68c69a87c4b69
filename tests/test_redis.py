"""The scale-out profile's Redis parts on a real redis-server: the lock store several Rasa servers share, and
"delete my data" on Rasa's Redis tracker store."""
from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, TypeVar

import pytest
import redis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from channels.rasa_compat import erase_conversation
from channels.redis_lock import AtomicRedisLockStore
from tests.services import RedisServer

pytestmark = pytest.mark.server

PASSWORD = "redis-test-password"
Result = TypeVar("Result")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"), PASSWORD)
    server.start()
    yield server
    server.stop()


def _take_turns(port: int, turns: int, barrier) -> int:
    """One Rasa server's share of turns for one conversation. RETURNS how often another held the lock too."""
    store = AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, password=PASSWORD, db=1))
    marker = redis.Redis(host="127.0.0.1", port=port, password=PASSWORD, db=2)

    async def take_turns() -> int:
        overlaps = 0
        for _ in range(turns):
            async with store.lock("learner-1", wait_time_in_seconds=0.001):
                overlaps += marker.incr("holders") != 1
                await asyncio.sleep(0.001)
                marker.decr("holders")
        return overlaps

    barrier.wait()
    return asyncio.run(take_turns())


def test_lock_store_gives_a_conversation_to_one_server_at_a_time(redis_server):
    """Three processes contend for one conversation's lock. With Rasa's own RedisLockStore in its place this test
    fails: turns end in LockError, and two processes hold the lock at once (see channels/redis_lock.py)."""
    context = multiprocessing.get_context("fork")
    processes, turns = 3, 100
    with context.Manager() as manager, context.Pool(processes) as pool:
        barrier = manager.Barrier(processes)
        overlaps = pool.starmap(_take_turns, [(redis_server.port, turns, barrier)] * processes)
    assert overlaps == [0] * processes  # a LockError would have failed starmap
    assert redis_server.client(db=1).keys("lock:*") == []  # the last turn removed the lock


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """Runs a coroutine in a thread of its own: the browser tests' Playwright keeps an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_erase_conversation_deletes_a_redis_tracker(redis_server):
    store = RedisTrackerStore(Domain.empty(), host="127.0.0.1", port=redis_server.port, password=PASSWORD, db=0)
    for sender in ("learner-erase", "learner-keep"):
        run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("hi")])))
    run(erase_conversation(store, "learner-erase"))
    assert run(store.retrieve("learner-erase")) is None
    assert run(store.retrieve("learner-keep")) is not None

"""Rasa's Redis lock store with atomic ticket updates, for several Rasa servers sharing one Redis.

Rasa 3.6's RedisLockStore changes a conversation's ticket lock by reading it from Redis, changing it in Python and
writing it back. When two Rasa servers do that at the same moment, one overwrites the other's ticket: both then handle
the same conversation at once (one turn's events are lost), or one waits for a ticket nobody holds until it expires
and the message fails with LockError (RasaHQ/rasa#9213; Rasa's fix, ConcurrentRedisLockStore, was reverted from Rasa
Open Source in RasaHQ/rasa#11428). Here each change is a Redis optimistic transaction (WATCH, MULTI, EXEC), retried
when another server changed the lock in between. Keys, lock format and settings are Rasa's own.

endpoints.yml (deploy/scale-out/endpoints.yml):
    lock_store:
      type: channels.redis_lock.AtomicRedisLockStore
      url: <redis host>
      port: 6379
      password: <password>
      db: 1
"""
from __future__ import annotations

import json
from typing import Callable, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from channels import rasa_compat

Result = TypeVar("Result")


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket changes cannot overwrite one another."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Rasa passes the `lock_store` section of endpoints.yml; its keys are RedisLockStore's."""
        rasa_compat.check()  # the methods below replace RedisLockStore's and use its Redis client and keys
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], Result]) -> Result:
        """Applies `change` to the conversation's lock (a new one if none is stored) in one Redis transaction, and
        deletes the lock once it holds no ticket. RETURNS what `change` returned."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipeline:
            while True:
                try:
                    pipeline.watch(key)
                    stored = pipeline.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
                    result = change(lock)
                    pipeline.multi()
                    if lock.is_someone_waiting():
                        pipeline.set(key, lock.dumps())
                    else:
                        pipeline.delete(key)
                    pipeline.execute()
                    return result
                except redis.WatchError:  # another server changed the lock after we read it: read it again
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, TicketLock.remove_expired_tickets)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

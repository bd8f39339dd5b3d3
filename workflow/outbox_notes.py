"""Short-lived notes, in Redis, of the outbox rows consumers have just processed.

Under load most messages a consumer gets name rows that a consumer already took along with its
backlog (outbox.claim_backlog), in this worker process or another. Before asking the database
whether such a message still has work, outbox.claim looks here: a message whose rows are all
noted is done, known for one Redis round trip instead of a database one.

The database stays the authority. A row is noted only once the transaction that processed it has
committed; a row that is not noted (Redis restarted, the note expired, Redis away) is looked up in
the database as before. A note lasts a third of the relay's grace period, so even a row whose id
came back meanwhile (a database restored from a backup) is only delayed: the relay republishes
it once the note is gone.
"""

import logging
import time
from collections.abc import Collection

import redis

log = logging.getLogger(__name__)

NOTE_PREFIX = "yanhu:outbox-done:"


class ProcessedNotes:
    def __init__(self) -> None:
        self._client: redis.Redis | None = None
        self.lifetime_ms = 10_000
        self._away_until = 0.0
        self._breaker_seconds = 10.0

    def bind(
        self, url: str | None, relay_grace_seconds: float, timeout: float, breaker_seconds: float
    ) -> None:
        """Keep the notes in the Redis at `url`; any other store (or None): keep none."""
        redis_url = url and url.startswith(("redis://", "rediss://"))
        self._client = (
            redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            if redis_url
            else None
        )
        self.lifetime_ms = max(1, int(relay_grace_seconds * 1000 / 3))
        self._away_until = 0.0
        self._breaker_seconds = breaker_seconds

    def all_noted(self, outbox_ids: Collection[int]) -> bool:
        """True if every one of these rows is noted as processed."""
        client = self._usable()
        if client is None or not outbox_ids:
            return False
        try:
            # EXISTS counts a key once for each time it is named, so repeated ids count too.
            return client.exists(*(NOTE_PREFIX + str(i) for i in outbox_ids)) == len(outbox_ids)
        except redis.RedisError as error:
            self._away(error)
            return False

    def note(self, outbox_ids: Collection[int]) -> None:
        """Called after the commit that processed these rows."""
        client = self._usable()
        if client is None or not outbox_ids:
            return
        try:
            pipe = client.pipeline(transaction=False)
            for outbox_id in outbox_ids:
                pipe.set(NOTE_PREFIX + str(outbox_id), 1, px=self.lifetime_ms)
            pipe.execute()
        except redis.RedisError as error:
            self._away(error)

    def forget_all(self) -> None:
        """Drop every note: for a database whose ids start again from 1 (the tests')."""
        if self._client is not None:
            for key in self._client.scan_iter(match=NOTE_PREFIX + "*", count=1000):
                self._client.delete(key)

    def _usable(self) -> redis.Redis | None:
        if self._client is None or time.monotonic() < self._away_until:
            return None
        return self._client

    def _away(self, error: Exception) -> None:
        # Redis away or hung: the database answers alone for a while, without waiting on Redis.
        self._away_until = time.monotonic() + self._breaker_seconds
        log.warning("outbox notes unavailable, asking the database: %s", type(error).__name__)


notes = ProcessedNotes()

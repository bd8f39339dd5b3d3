"""Publishing committed outbox rows from a background thread of each process.

After a commit the request thread only hands the row ids over; this thread sends them to the
broker. Requests therefore never wait on the broker (a hung or dead Redis costs them nothing), and
under load ids leave together in one message (see LINGER_SECONDS), so the worker does one
transaction for many cases. If the process dies before a hand-over is published, the row is still
in the database and the relay republishes it after the grace period.
"""

import atexit
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from config.queues import ONE_PER_MESSAGE, TASK_QUEUES

log = logging.getLogger(__name__)

Publish = Callable[[str, list[int]], None]
# Ids per message: bounds one consumer transaction.
MESSAGE_BATCH = 50
# Hand-overs closer together than STREAM_GAP (over 100 a second in this process) are a stream:
# the publisher then waits up to LINGER for more ids before sending, so several cases share one
# message. A publish costs the process about a millisecond, and the worker as much again per
# message; a lone submission is sent at once. At 300 submissions a second a process, 50 ms puts
# about 15 cases in a message (20 ms put 6, and the API served about 6 % fewer submissions a
# second); a case of a stream reaches the worker at most 50 ms later.
STREAM_GAP_SECONDS = 0.01
LINGER_SECONDS = 0.05


def publisher_for(celery_app) -> Publish:
    """A Publish function over a Celery app (anything with `send_task`)."""

    def publish(task: str, ids: list[int]) -> None:
        # The ids go as the one positional argument: outbox rows for most tasks, notification
        # rows (their own outbox) for deliveries.
        celery_app.send_task(task, args=[ids], queue=TASK_QUEUES[task], retry=False)

    return publish


def publish_grouped(publish: Publish, rows: Iterable[tuple[str, int]]) -> None:
    """Send (task, outbox id) pairs, one message per task and per MESSAGE_BATCH ids (one id a
    message for the tasks in ONE_PER_MESSAGE)."""
    by_task: dict[str, list[int]] = defaultdict(list)
    for task, outbox_id in rows:
        by_task[task].append(outbox_id)
    for task, ids in by_task.items():
        size = 1 if task in ONE_PER_MESSAGE else MESSAGE_BATCH
        for start in range(0, len(ids), size):
            publish(task, ids[start : start + size])


class BackgroundPublisher:
    def __init__(self) -> None:
        self.publish: Publish | None = None
        self.breaker_seconds = 10.0
        self._closed_until = 0.0
        self._pending: list[tuple[str, int]] = []
        self._in_flight = 0
        self._last_hand_over = float("-inf")
        self._streaming = False
        self._lingering = False
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def bind(self, publish: Publish | None, breaker_seconds: float = 10.0) -> None:
        self.publish = publish
        self.breaker_seconds = breaker_seconds
        self._closed_until = 0.0

    def hand_over(self, rows: list[tuple[str, int]]) -> None:
        """Called after a commit with the rows it wrote; returns at once."""
        if self.publish is None:
            return  # nothing bound here (a script, a test): the relay will publish
        with self._wake:
            self._start_if_needed()
            now = time.monotonic()
            self._streaming = now - self._last_hand_over < STREAM_GAP_SECONDS
            self._last_hand_over = now
            self._pending.extend(rows)
            # A lingering thread wakes by itself when LINGER is up: waking it for every hand-over
            # would cost each request a thread switch. It is woken when idle, or to send a full
            # message at once.
            if not self._lingering or len(self._pending) >= MESSAGE_BATCH:
                self._wake.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything handed over has been tried; True if it all went out in time."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._pending or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(remaining)
        return True

    def _start_if_needed(self) -> None:
        # A thread does not survive fork (gunicorn and Celery fork after import): start one per pid.
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            self._pending, self._in_flight, self._pid = [], 0, os.getpid()
            self._thread = threading.Thread(target=self._run, name="outbox-publisher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending:
                    self._wake.wait()
                if self._streaming:
                    self._linger()
                rows, self._pending = self._pending, []
                self._in_flight = len(rows)
            self._send(rows)
            with self._wake:
                self._in_flight = 0
                self._wake.notify_all()

    def _linger(self) -> None:
        """Called holding the lock; returns when a message is full (a hand-over wakes it then) or
        when LINGER is up."""
        deadline = time.monotonic() + LINGER_SECONDS
        self._lingering = True
        try:
            while len(self._pending) < MESSAGE_BATCH:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._wake.wait(remaining)
        finally:
            self._lingering = False

    def _send(self, rows: list[tuple[str, int]]) -> None:
        publish = self.publish
        if publish is None or time.monotonic() < self._closed_until:
            return  # the relay will pick these up
        try:
            publish_grouped(publish, rows)
        except Exception as error:  # any broker failure: leave it to the relay
            self._closed_until = time.monotonic() + self.breaker_seconds
            log.warning("outbox publish failed, relay will retry: %s", type(error).__name__)


publisher = BackgroundPublisher()
# A clean exit (gunicorn restarting a worker, a deploy) sends what is still waiting.
atexit.register(publisher.flush, 2.0)


def bind_publisher(publish: Publish | None, breaker_seconds: float = 10.0) -> None:
    publisher.bind(publish, breaker_seconds)

"""Measurement 7: notifications leaving the system, next to Celery no-op tasks through the same
broker and worker pool, in the same run.

The far sides are local and in this process, started before the servers so their addresses go
into the worker's environment: an SMTP sink (aiosmtpd) and a webhook receiver (a threaded HTTP
server answering 200 on a kept-alive connection). The worker runs with SMTP_URL pointing at the
sink and with every channel's rate limit set far above what the machine can do
(CHANNEL_RATE_PER_SECOND below): the limiter is still asked for every message, as in production,
but never holds one back, so what is measured is the machinery, not the limit.

Setup (after the other measurements, so they see no email or webhook work): every window gets a
webhook (the receiver, a 32-character secret) and one window clerk with an email address; an
admin is inserted for the broadcasts' author. Users are inserted directly (no argon2; nobody logs
in as them).

Fan-out: an admin's broadcast in this process through `send_broadcast`, the service the API's POST
/api/v1/admin/broadcasts calls (windows.broadcast plus its admin record, one transaction), with
this process's outbox publisher bound to the bench's publishing Celery app for the duration, as
the API's is: after the commit its background thread publishes the 23 window rows, one message
each (and it is unbound again after, as the pipeline measurement expects). The worker's
`notifications.window` task writes each window's rows (in-app, delivered at once; the clerk's
email; the webhook) and sends the email and the webhook itself, through the same delivery
function `notifications.deliver` runs. Done: all rows of the broadcast `delivered` (polled in
the database from the side). The baseline is as many no-ops as notifications, 23 x 3 = 69,
published at once, done when counted: notifications delivered against no-op tasks run.
fanout_ratio = median no-op seconds / median broadcast seconds (rounds take turns).

Drain: 10,000 webhook rows (status created) inserted directly, their ids published to
`notifications.deliver` 50 to a message (publish_grouped's batch: how the sweep and a backlog
publish them) while the worker does not consume the notifications queue; the clock starts as it
is resumed and stops when all are delivered. The baseline: 10,000 no-ops, queued while the
precheck queue is paused, then resumed, timed until counted, in two runs of 5,000 that take turns
with the rows (no-ops, rows, no-ops) so drift hits both, without doubling the time the baseline
costs; its rate is their count over their time. The no-ops are one message each, the deliveries
50 rows a message: drain_ratio compares what the issue counts, notifications (rows) delivered per
second against no-op tasks per second; messages per second are reported beside it.
"""

import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from celery import Celery
from redis import Redis
from sqlalchemy import func, insert, select, update

from bench.broker import consuming_paused, publish_noop, queue_depth, wait_counter
from bench.probes import Probe
from config.queues import QueueNames, TaskNames
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Notification, User
from workflow.models import Window as WindowRow
from workflow.models._types import utcnow
from workflow.publisher import MESSAGE_BATCH, bind_publisher, publish_grouped, publisher_for
from workflow.services.notification_admin import send_broadcast

HOST = "127.0.0.1"
# Far above what two cores deliver: the limiter is consulted for every message but never waits.
CHANNEL_RATES = "email=100000,sms=100000,webhook=100000"
FANOUT_ROUNDS = 5  # broadcasts timed; the no-ops run one time more, before, between and after
FANOUT_POLL_SECONDS = 0.005
DRAIN_ROWS = 10_000
DRAIN_NOOP_RUNS = 2  # of DRAIN_ROWS / DRAIN_NOOP_RUNS each, before and after the rows
DRAIN_POLL_SECONDS = 0.02
IDLE_TIMEOUT = 60.0
TIMEOUT = 180.0
WORDS = {
    "subject_zh": "基准测试通知",
    "text_zh": "这是一条发往全部窗口的基准测试广播。",
    "subject_en": "Benchmark notice",
    "text_en": "A benchmark broadcast to every window.",
}


# The far sides ----------------------------------------------------------------------------------


class _SmtpCounter:
    """aiosmtpd's handler: accepts every message and counts it (nothing is parsed or kept)."""

    def __init__(self) -> None:
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received += 1
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd connects to its own port once at start: with port 0 that is the one bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    def __init__(self) -> None:
        self._handler = _SmtpCounter()
        self._controller = _Controller(
            self._handler, hostname=HOST, port=0, server_hostname="sink.bench"
        )

    @property
    def received(self) -> int:
        return self._handler.received

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self._controller.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


class _WebhookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the worker's httpx client reuses its connection
    server: "_WebhookServer"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class _WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    received = 0
    lock = threading.Lock()


class WebhookReceiver:
    def __init__(self) -> None:
        self._server = _WebhookServer((HOST, 0), _WebhookHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def received(self) -> int:
        return self._server.received

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/hook"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Sinks:
    smtp: SmtpSink
    webhook: WebhookReceiver

    def worker_env(self) -> dict[str, str]:
        """What the worker needs on top of BenchEnv.server_env()."""
        return {"SMTP_URL": self.smtp.url, "CHANNEL_RATE_PER_SECOND": CHANNEL_RATES}


@contextmanager
def notification_sinks() -> Iterator[Sinks]:
    """The SMTP sink and the webhook receiver, in daemon threads here; stopped on exit."""
    with ExitStack() as stack:
        smtp, webhook = SmtpSink(), WebhookReceiver()
        for sink in (smtp, webhook):
            sink.start()
            stack.callback(sink.stop)
        yield Sinks(smtp, webhook)


# Setup ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    admin: Actor
    windows: list[str]
    emails: int  # window clerks with an email address: one email row each per broadcast

    @property
    def rows_per_broadcast(self) -> int:
        return 2 * len(self.windows) + self.emails  # in-app and webhook per window, emails


def prepare(sinks: Sinks) -> Setup:
    session = Session()
    windows = list(session.scalars(select(WindowRow.code).order_by(WindowRow.code)))
    secret = secrets.token_hex(16)  # 32 characters
    session.execute(update(WindowRow).values(webhook_url=sinks.webhook.url, webhook_secret=secret))
    tag = secrets.token_hex(3)  # usernames unique on a kept database too
    unusable = "!bench: no password, nobody logs in"
    admin_id = session.scalar(
        insert(User).returning(User.id),
        {"username": f"bench-admin-{tag}", "password_hash": unusable, "role": str(Role.ADMIN),
         "name": "Bench Admin"},
    )  # fmt: skip
    session.execute(
        insert(User),
        [
            {"username": f"bench-clerk-{code.lower()}-{tag}", "password_hash": unusable,
             "role": str(Role.WINDOW_CLERK), "name": f"Bench Clerk {code}", "window_code": code,
             "email": f"clerk-{code.lower()}-{tag}@bench.example.cn", "language": "zh"}
            for code in windows
        ],
    )  # fmt: skip
    emails = session.scalar(
        select(func.count()).where(
            User.role == str(Role.WINDOW_CLERK),
            User.window_code.in_(windows),
            User.email.is_not(None),
        )
    )
    session.commit()
    Session.remove()
    return Setup(Actor(admin_id, Role.ADMIN), windows, emails)


def wait_idle(redis: Redis, probe: Probe) -> None:
    """Earlier measurements' work (dispatches, deliveries) must not run inside these clocks."""
    deadline = time.monotonic() + IDLE_TIMEOUT
    pending = (
        "SELECT count(*) FROM outbox"
        " WHERE processed_at IS NULL AND failed_at IS NULL AND retry_at IS NULL"
    )
    while queue_depth(redis) or probe.scalar(pending):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the worker was not idle within {IDLE_TIMEOUT:.0f} s")
        time.sleep(0.05)


# Fan-out ----------------------------------------------------------------------------------------


def time_noops(app: Celery, redis: Redis, key: str, count: int, poll: float) -> float:
    """`count` no-ops published one after another, until the worker has counted them all."""
    redis.delete(key)
    began = time.monotonic()
    for _ in range(count):
        publish_noop(app, key)
    return wait_counter(redis, key, count, poll, TIMEOUT) - began


def _broadcast_state(probe: Probe, source: str) -> tuple[int, int]:
    delivered, failed = probe.connection.execute(
        "SELECT count(*) FILTER (WHERE status = 'delivered'),"
        " count(*) FILTER (WHERE status NOT IN ('created', 'sending', 'delivered'))"
        " FROM notifications WHERE source = %s",
        (source,),
    ).fetchone()
    return delivered, failed


def time_broadcast(probe: Probe, sinks: Sinks, setup: Setup) -> dict:
    emails, webhooks = sinks.smtp.received, sinks.webhook.received
    began = time.monotonic()
    sent = send_broadcast(setup.admin, "notice", WORDS)
    source = f"broadcast:{sent.id}"
    Session.remove()
    committed = time.monotonic()
    deadline = committed + TIMEOUT
    while True:
        delivered, failed = _broadcast_state(probe, source)
        if failed:
            raise RuntimeError(f"{failed} rows of {source} ended in a failure; see the worker log")
        if delivered >= setup.rows_per_broadcast:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{source}: {delivered} of {setup.rows_per_broadcast} delivered")
        time.sleep(FANOUT_POLL_SECONDS)
    done = time.monotonic()
    emails, webhooks = sinks.smtp.received - emails, sinks.webhook.received - webhooks
    if emails < setup.emails or webhooks < len(setup.windows):
        raise RuntimeError(f"{source}: the sinks got {emails} emails and {webhooks} webhooks")
    return {"seconds": round(done - began, 4), "commit_seconds": round(committed - began, 4)}


def measure_fanout(app: Celery, redis: Redis, probe: Probe, sinks: Sinks, setup: Setup) -> dict:
    # One no-op per notification: each window's in-app row, its clerk's email, its webhook.
    tasks = len(setup.windows) + setup.emails + len(setup.windows)
    key = "bench:notifications:fanout"
    # This process publishes the broadcast's outbox rows after its commit, as the API does.
    bind_publisher(publisher_for(app))
    try:
        # Warm-up, untimed: the pool processes build their channels (SMTP, HTTP client, limiter)
        # and this process starts its publisher thread.
        time_noops(app, redis, key, tasks, FANOUT_POLL_SECONDS)
        time_broadcast(probe, sinks, setup)
        noops = [time_noops(app, redis, key, tasks, FANOUT_POLL_SECONDS)]
        rounds = []
        for _ in range(FANOUT_ROUNDS):
            rounds.append(time_broadcast(probe, sinks, setup))
            noops.append(time_noops(app, redis, key, tasks, FANOUT_POLL_SECONDS))
    finally:
        bind_publisher(None)  # the pipeline's batches rely on an unbound publisher here
    ours = statistics.median(run["seconds"] for run in rounds)
    noop = statistics.median(noops)
    return {
        "windows": len(setup.windows),
        "rows_per_broadcast": setup.rows_per_broadcast,
        "tasks": tasks,
        "rounds": FANOUT_ROUNDS,
        "poll_ms": FANOUT_POLL_SECONDS * 1000,
        "broadcast_runs_s": [run["seconds"] for run in rounds],
        "broadcast_commit_s": [run["commit_seconds"] for run in rounds],
        "noop_runs_s": [round(seconds, 4) for seconds in noops],
        "fanout_ms": round(ours * 1000, 1),
        "fanout_noop_ms": round(noop * 1000, 1),
        "fanout_ratio": round(noop / ours, 3),
    }


# Drain ------------------------------------------------------------------------------------------


def insert_rows(windows: list[str], count: int) -> list[int]:
    """`count` webhook notifications waiting for their first attempt, as a window's rows are
    written (one per source, recipient and channel), spread over the windows."""
    now = utcnow()
    run = secrets.token_hex(3)
    rows = [
        {
            "source": f"bench:{run}:{n}", "event_id": None, "application_id": None,
            "recipient_type": "window", "recipient": windows[n % len(windows)],
            "channel": "webhook", "kind": "broadcast", "status": "created",
            "body": {"audience": "window", "window": windows[n % len(windows)],
                     "subject": "基准测试通知", "text": f"第 {n} 条基准测试通知。",
                     "language": "zh", "template_version": 1},
            "created_at": now, "attempts": 0, "next_attempt_at": now + timedelta(seconds=60),
        }
        for n in range(count)
    ]  # fmt: skip
    table = Notification.__table__
    session = Session()
    ids = list(
        session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    )
    session.commit()
    Session.remove()
    return ids


def time_drain_rows(app: Celery, probe: Probe, ids: list[int]) -> dict:
    first, last = min(ids), max(ids)
    publish = publisher_for(app)
    with consuming_paused(app, QueueNames.NOTIFICATIONS):
        publish_grouped(publish, [(TaskNames.DELIVER_NOTIFICATIONS, i) for i in ids])
        began = time.monotonic()  # the resume (add_consumer, answered) is inside the clock
    deadline = began + TIMEOUT
    pending_query = (
        "SELECT count(*) FROM notifications WHERE id BETWEEN %s AND %s"
        " AND status IN ('created', 'sending')"
    )
    while pending := probe.scalar(pending_query, (first, last)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pending} of {len(ids)} notifications not delivered in time")
        time.sleep(DRAIN_POLL_SECONDS)
    seconds = time.monotonic() - began
    delivered = probe.scalar(
        "SELECT count(*) FROM notifications WHERE id BETWEEN %s AND %s AND status = 'delivered'",
        (first, last),
    )
    if delivered != len(ids):
        raise RuntimeError(f"only {delivered} of {len(ids)} notifications ended delivered")
    attempts = probe.scalar(
        "SELECT count(*) FROM delivery_attempts WHERE notification_id BETWEEN %s AND %s",
        (first, last),
    )
    messages = -(-len(ids) // MESSAGE_BATCH)
    return {
        "rows": len(ids),
        "messages": messages,
        "attempts": attempts,
        "seconds": round(seconds, 3),
        "rows_per_second": round(len(ids) / seconds, 1),
        "messages_per_second": round(messages / seconds, 1),
    }


def time_drain_noops(app: Celery, redis: Redis, label: str, count: int) -> dict:
    key = f"bench:notifications:drain:{label}"
    redis.delete(key)
    with consuming_paused(app):  # the no-ops' queue, precheck
        published = time.monotonic()
        for _ in range(count):
            publish_noop(app, key)
        began = time.monotonic()
    seconds = wait_counter(redis, key, count, DRAIN_POLL_SECONDS, TIMEOUT) - began
    return {
        "noops": count,
        "seconds": round(seconds, 3),
        "publish_seconds": round(began - published, 3),
        "per_second": round(count / seconds, 1),
    }


def measure_drain(app: Celery, redis: Redis, probe: Probe, setup: Setup) -> dict:
    ids = insert_rows(setup.windows, DRAIN_ROWS)
    per_run = DRAIN_ROWS // DRAIN_NOOP_RUNS
    noops = [time_drain_noops(app, redis, "0", per_run)]
    ours = time_drain_rows(app, probe, ids)
    noops.append(time_drain_noops(app, redis, "1", per_run))
    noop_rate = sum(run["noops"] for run in noops) / sum(run["seconds"] for run in noops)
    return {
        "channel": "webhook",
        "rows": ours,
        "noop_runs": noops,
        "drain_rows_per_second": ours["rows_per_second"],
        "drain_noop_per_second": round(noop_rate, 1),
        "drain_ratio": round(ours["rows_per_second"] / noop_rate, 3),
        "drain_messages_ratio": round(ours["messages_per_second"] / noop_rate, 3),
    }


def measure_notifications(app: Celery, redis: Redis, probe: Probe, sinks: Sinks) -> dict:
    wait_idle(redis, probe)
    setup = prepare(sinks)
    fanout = measure_fanout(app, redis, probe, sinks, setup)
    wait_idle(redis, probe)
    drain = measure_drain(app, redis, probe, setup)
    return {
        "channel_rate_per_second": CHANNEL_RATES,
        "fanout": fanout,
        "drain": drain,
        "fanout_ratio": fanout["fanout_ratio"],
        "drain_ratio": drain["drain_ratio"],
        "smtp_messages_received": sinks.smtp.received,
        "webhook_posts_received": sinks.webhook.received,
    }

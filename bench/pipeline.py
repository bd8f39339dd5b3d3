"""Measurement 2: how fast the worker turns submitted cases into routed, notified ones, next to
how fast the same worker pool gets through no-op messages from the same broker queue.

Fairness, as built here:
- The cases are made by the real submit service in this process with the outbox publisher left
  unbound, so their outbox rows are committed but not published (no beat runs, so no relay
  interferes); their required documents are then provided (bench/documents.py: the files and
  rows an upload leaves; the pre-check routes only cases that have them). The clock starts
  when the first message is handed to the broker.
- Headline: one message per case, the API's fast path when it is not loaded (under load its
  publisher thread puts several ids in one message), via `publisher.publish_grouped` over
  `publisher.publisher_for`, against one no-op per message through
  `send_task` with the same options to the same queue (precheck). Both are published by one
  thread here, so the publishing cost is in both clocks.
- Done means: all cases have left `submitted` and each has its window's in-app notification row
  (the pre-check routes them; the notification dispatcher, a task of its own that follows each
  pre-check transaction, writes the rows); for the no-ops, their Redis counter reached the
  count. Both are polled at the same interval from outside the worker.
- Runs take turns (no-ops, cases, no-ops, cases, no-ops); each side's rate is its total count
  over its total time.
- Separately (not in the headline): the relay's batched path, 50 case ids per message.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from celery import Celery
from redis import Redis
from sqlalchemy import select

from bench.broker import publish_noop, queue_depth, wait_counter
from bench.documents import provide_documents
from bench.fixtures import POLICY, WINDOW
from bench.probes import Probe
from workflow import outbox
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import OutboxMessage
from workflow.publisher import publish_grouped, publisher, publisher_for
from workflow.services.submission import submit_application

CASES = 2000
POLL_SECONDS = 0.01
TIMEOUT = 240.0
RELAY_GRACE_SECONDS = 5.0


@dataclass
class CaseBatch:
    first_case_id: int
    last_case_id: int
    messages: list[OutboxMessage]
    created_at: float  # perf_counter when the last case was committed
    submit_seconds: float


def create_cases(applicant_ids: list[int], form: dict) -> CaseBatch:
    """One submitted case per applicant through the real service, with its documents; their
    outbox rows stay unpublished because this process never binds the outbox publisher."""
    if publisher.publish is not None:
        raise RuntimeError("the bench process must not publish on commit")
    mark = Session().scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    began = time.perf_counter()
    case_ids = []
    for user_id in applicant_ids:
        case = submit_application(Actor(user_id, Role.APPLICANT), POLICY, WINDOW, form).case
        case_ids.append(case.id)
        Session.remove()  # one session per submission, as per request in the API
    done = time.perf_counter()
    provide_documents(list(zip(case_ids, applicant_ids, strict=True)), POLICY)
    messages = list(
        Session().scalars(
            select(OutboxMessage).where(OutboxMessage.id > (mark or 0)).order_by(OutboxMessage.id)
        )
    )
    Session.remove()
    if sorted(m.payload["application_id"] for m in messages) != sorted(case_ids):
        raise RuntimeError("outbox rows do not match the cases just submitted")
    if case_ids != list(range(case_ids[0], case_ids[0] + len(case_ids))):
        raise RuntimeError("case ids are not contiguous; something else is submitting")
    return CaseBatch(case_ids[0], case_ids[-1], messages, done, done - began)


def wait_cases_done(probe: Probe, batch: CaseBatch) -> float:
    """Polls until every case has left `submitted` and its window is told (the dispatcher's
    rows follow the pre-check's). Returns the perf_counter time it was seen."""
    deadline = time.perf_counter() + TIMEOUT
    first, last, count = batch.first_case_id, batch.last_case_id, len(batch.messages)
    while probe.still_submitted(first, last) or probe.window_notified(first, last) < count:
        if time.perf_counter() > deadline:
            left = probe.still_submitted(first, last)
            notified = probe.window_notified(first, last)
            raise TimeoutError(
                f"within {TIMEOUT:.0f} s: {left} cases still submitted, {notified} of {count}"
                " windows told (were some returned for correction?)"
            )
        time.sleep(POLL_SECONDS)
    return time.perf_counter()


def time_noops(app: Celery, redis: Redis, label: str) -> dict:
    key = f"bench:pipeline:{label}"
    redis.delete(key)
    began = time.perf_counter()
    for _ in range(CASES):
        publish_noop(app, key)
    published = time.perf_counter()
    done = wait_counter(redis, key, CASES, POLL_SECONDS, TIMEOUT)
    return _timing(began, published, done)


def time_cases_per_message(app: Celery, probe: Probe, batch: CaseBatch) -> dict:
    publish = publisher_for(app)
    began = time.perf_counter()
    for message in batch.messages:
        # What the API does after each submission's commit: its one pending row, grouped.
        publish_grouped(publish, [(message.task, message.id)])
    published = time.perf_counter()
    return _timing(began, published, wait_cases_done(probe, batch))


def time_cases_relayed(app: Celery, probe: Probe, batch: CaseBatch) -> dict:
    """The relay's path: up to 200 overdue rows per call, published 50 ids to a message."""
    wait = RELAY_GRACE_SECONDS + 0.5 - (time.perf_counter() - batch.created_at)
    if wait > 0:
        time.sleep(wait)  # every row must be overdue, or the relay would skip it
    publish = publisher_for(app)
    began = time.perf_counter()
    # The relay publishes a batch per call until nothing is overdue; consumers meanwhile take
    # waiting rows along, so it may have fewer to publish than there are cases.
    while outbox.relay(Session(), publish, RELAY_GRACE_SECONDS, max_attempts=8)["republished"]:
        pass
    Session.remove()
    published = time.perf_counter()
    return _timing(began, published, wait_cases_done(probe, batch))


def _timing(began: float, published: float, done: float) -> dict:
    return {
        "seconds": round(done - began, 3),
        "publish_seconds": round(published - began, 3),
        "per_second": round(CASES / (done - began), 1),
    }


def _rate(runs: list[dict]) -> float:
    return len(runs) * CASES / sum(run["seconds"] for run in runs)


def measure_pipeline(
    app: Celery, redis: Redis, probe: Probe, make_batch: Callable[[int], CaseBatch]
) -> dict:
    # The caller drained the precheck backlog before making the batches; nothing was published
    # since, so the worker starts idle.
    if queue_depth(redis):
        raise RuntimeError("the worker's queues are not empty before the pipeline run")
    # No-ops and cases take turns (noop, cases, noop, cases, noop) so drift hits both.
    noops = [time_noops(app, redis, "0")]
    cases, per_message = [], []
    for index in (1, 2):
        per_message.append(make_batch(index - 1))
        cases.append(time_cases_per_message(app, probe, per_message[-1]))
        noops.append(time_noops(app, redis, str(index)))
    batched = time_cases_relayed(app, probe, make_batch(2))
    noop_rate, case_rate = _rate(noops), _rate(cases)
    submit_seconds = sum(batch.submit_seconds for batch in per_message)
    return {
        "cases": CASES,
        "poll_ms": POLL_SECONDS * 1000,
        "per_message_runs": cases,
        "noop_runs": noops,
        "cases_per_second": round(case_rate, 1),
        "noop_per_second": round(noop_rate, 1),
        "pipeline_ratio": round(case_rate / noop_rate, 3),
        "relay_batched": batched,
        "relay_batched_ratio": round(batched["per_second"] / noop_rate, 3),
        "in_process_submit_per_second": round(len(per_message) * CASES / submit_seconds, 1),
    }

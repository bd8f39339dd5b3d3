"""Measurement 3: from a submission's answer to its window notification row, next to a raw
Celery round trip (publish a no-op, see its effect), taking turns one by one so noise hits both.

Each case is made as an applicant files one that passes the pre-check, outside the clock: a
draft (POST), its required documents (provided in this process, bench/documents.py) and a GET
for its ETag; the clock covers the action submit and what follows it.

Both are watched the same way: polled every 2 ms from a connection of their own (the database
for the case, Redis for the no-op, where each one's effect lands).

The one applicant withdraws each case once it has reached the window (outside the clock, with
the case's current ETag in If-Match, as every action needs): the transport policy allows one
open case per applicant, and a second open one would be returned for correction instead of
routed.
"""

import time

from celery import Celery
from redis import Redis

from bench.broker import publish_noop, wait_counter
from bench.documents import provide_documents
from bench.fixtures import POLICY, WINDOW, Applicant
from bench.load import Client, json_request
from bench.probes import Probe
from bench.stats import latency_ms

SAMPLES = 200
WARMUP = 10
POLL_SECONDS = 0.002
TIMEOUT = 30.0


def _wait_window_notification(probe: Probe, after_id: int, case_id: int) -> tuple[float, int]:
    deadline = time.perf_counter() + TIMEOUT
    while True:
        found = probe.window_notification(WINDOW, after_id, case_id)
        now = time.perf_counter()
        if found is not None:
            return now, found
        if now > deadline:
            raise TimeoutError(f"case {case_id} did not reach window {WINDOW} in {TIMEOUT:.0f} s")
        time.sleep(POLL_SECONDS)


def measure_latency(
    api_port: int, applicant: Applicant, form: dict, app: Celery, redis: Redis, probe: Probe
) -> dict:
    client = Client(api_port)
    draft = json_request(
        "POST",
        "/api/v1/applications",
        {"policy_code": POLICY, "window_code": WINDOW, "form": form, "draft": True},
        applicant.token,
    )
    after_id = probe.last_notification_id()
    e2e, post, roundtrip = [], [], []
    try:
        for index in range(WARMUP + SAMPLES):
            case = client.send_json(draft, expect=201)
            provide_documents([(case["id"], applicant.user_id)], POLICY)
            path = f"/api/v1/applications/{case['id']}"
            _, etag = client.send_json_tagged(
                json_request("GET", path, token=applicant.token), expect=200
            )
            submit = json_request(
                "POST", f"{path}/actions", {"action": "submit"}, applicant.token, if_match=etag
            )
            sent = time.perf_counter()
            client.send_json(submit, expect=200)
            answered = time.perf_counter()
            seen, after_id = _wait_window_notification(probe, after_id, case["id"])
            # The pre-check moved the case on: its current ETag first, as a client would.
            _, etag = client.send_json_tagged(
                json_request("GET", path, token=applicant.token), expect=200
            )
            withdraw = json_request(
                "POST", f"{path}/actions", {"action": "withdraw"}, applicant.token, if_match=etag
            )
            client.send_json(withdraw, expect=200)

            key = f"bench:roundtrip:{index}"
            publish_noop(app, key)
            published = time.perf_counter()
            done = wait_counter(redis, key, 1, POLL_SECONDS, TIMEOUT)
            redis.delete(key)
            if index >= WARMUP:
                e2e.append(seen - answered)
                post.append(answered - sent)
                roundtrip.append(done - published)
    finally:
        client.close()
    e2e_figures, roundtrip_figures = latency_ms(e2e), latency_ms(roundtrip)
    return {
        "samples": SAMPLES,
        "poll_ms": POLL_SECONDS * 1000,
        "e2e_p50_ms": e2e_figures["p50_ms"],
        "e2e_p99_ms": e2e_figures["p99_ms"],
        "e2e_max_ms": e2e_figures["max_ms"],
        "celery_roundtrip_p50_ms": roundtrip_figures["p50_ms"],
        "celery_roundtrip_p99_ms": roundtrip_figures["p99_ms"],
        "celery_roundtrip_max_ms": roundtrip_figures["max_ms"],
        "post_p50_ms": latency_ms(post)["p50_ms"],
        "e2e_p50_over_roundtrip_p50": round(e2e_figures["p50_ms"] / roundtrip_figures["p50_ms"], 2),
    }

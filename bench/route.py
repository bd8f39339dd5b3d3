"""Measurement 5: one case's whole route through the HTTP API, next to as many bare inserts.

A case of ROUTE_POLICY goes: the applicant saves it as a draft, its required documents are
provided (in this process, off the clock, bench/documents.py: the pre-check routes only cases
that have them) and the applicant submits it; the worker pre-checks it (waited for, off the
clock: the figure is the HTTP requests only); the window clerk opens it (GET, for its ETag)
and accepts it; a reviewer of each department of each stage of the policy's route (as GET
/api/v1/policies/<code> publishes it) signs its step; the clerk concludes it. Every action sends
If-Match with the ETag of the answer before it. The clock is the sum of those requests' times.

The baseline is the same number of POST /items to bench/bare_app.py on the same gunicorn
settings, sent one after another on one connection, like the route. Route and baseline take
turns case by case (the order alternating), so noise hits both. Staff are made by the bench
fixtures and log in through the API; every case has an applicant of its own (inserted as the
pipeline's are, logged in through the API), since a granted case may bar its applicant from
applying for the same policy again.
"""

import secrets
import time

from sqlalchemy import select

from bench.documents import provide_documents
from bench.fixtures import WINDOW, Identities, create_staff, insert_applicants, log_in, valid_form
from bench.load import Client, json_request
from bench.probes import Probe
from bench.stats import percentile
from bench.submission import BARE_BODY
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import User

ROUTE_POLICY = "housing"
CASES = 50
WARMUP = 3
POLL_SECONDS = 0.005
TIMEOUT = 30.0


class Route:
    """The people a case meets on its way, each with a token, and the requests they send."""

    def __init__(self, client: Client, policy: dict, identities: Identities) -> None:
        tag = secrets.token_hex(3)  # usernames stay unique on a database that is kept
        self.applicants = _applicants(client, WARMUP + CASES, identities)
        self.clerk = create_staff(client, f"bench-{tag}-clerk", Role.WINDOW_CLERK, window=WINDOW)
        self.stages = [
            [
                create_staff(client, f"bench-{tag}-{d}", Role.REVIEWER, department=d)
                for d in stage["departments"]
            ]
            for stage in sorted(policy["route"], key=lambda stage: stage["position"])
        ]
        self.submission = {
            "policy_code": policy["code"],
            "window_code": WINDOW,
            "form": valid_form(policy),
            "draft": True,
        }

    @property
    def requests(self) -> int:
        # the draft, submit, the clerk's GET, accept, one signature per department, conclude
        return 5 + sum(len(stage) for stage in self.stages)


def _applicants(client: Client, count: int, identities: Identities) -> list[str]:
    """Tokens of `count` new applicants."""
    ids = insert_applicants(count, identities)
    rows = Session().execute(select(User.id, User.phone).where(User.id.in_(ids)))
    phones = {row.id: row.phone for row in rows}  # applicants log in with their phone
    Session.remove()
    return [log_in(client, phones[user_id]) for user_id in ids]


def _wait_at_window(probe: Probe, case_id: int) -> float:
    began = time.perf_counter()
    while True:
        status = probe.connection.execute(
            "SELECT status FROM applications WHERE id = %s", (case_id,)
        ).fetchone()[0]
        if status == "at_window":
            return time.perf_counter() - began
        if status != "submitted" or time.perf_counter() - began > TIMEOUT:
            raise RuntimeError(f"case {case_id} is {status}, not at the window")
        time.sleep(POLL_SECONDS)


def _one_case(client: Client, route: Route, index: int, probe: Probe) -> tuple[float, float]:
    """The case's requests' total time, and the wait for the pre-check (not in it)."""
    clock = 0.0

    def send(method, path, token, body=None, etag=None, expect=200):
        nonlocal clock
        request = json_request(method, path, body, token, if_match=etag)
        sent = time.perf_counter()
        answer, tag = client.send_json_tagged(request, expect)
        clock += time.perf_counter() - sent
        return answer, tag

    applicant = route.applicants[index]
    case, _ = send("POST", "/api/v1/applications", applicant, route.submission, expect=201)
    path = f"/api/v1/applications/{case['id']}"
    provide_documents([(case["id"], case["applicant_id"])], ROUTE_POLICY)
    # Off the clock too: the case's ETag, as the browser that uploaded the documents holds it.
    _, etag = client.send_json_tagged(json_request("GET", path, token=applicant), 200)
    send("POST", f"{path}/actions", applicant, {"action": "submit"}, etag)
    waited = _wait_at_window(probe, case["id"])
    _, etag = send("GET", path, route.clerk)
    _, etag = send("POST", f"{path}/actions", route.clerk, {"action": "accept"}, etag)
    for stage in route.stages:
        for reviewer in stage:
            _, etag = send("POST", f"{path}/actions", reviewer, {"action": "approve_step"}, etag)
    answer, _ = send("POST", f"{path}/actions", route.clerk, {"action": "conclude"}, etag)
    if answer["status"] != "concluded":
        raise RuntimeError(f"case {case['id']} ended {answer['status']}, not concluded")
    return clock, waited


def _bare(client: Client, count: int) -> float:
    request = json_request("POST", "/items", BARE_BODY)
    clock = 0.0
    for _ in range(count):
        sent = time.perf_counter()
        client.send_json(request, expect=201)
        clock += time.perf_counter() - sent
    return clock


def measure_route(api_port: int, bare_port: int, identities: Identities, probe: Probe) -> dict:
    api, bare = Client(api_port), Client(bare_port)
    try:
        policy = api.send_json(json_request("GET", f"/api/v1/policies/{ROUTE_POLICY}"), 200)
        route = Route(api, policy, identities)
        ours, baseline, waits = [], [], []
        for index in range(WARMUP + CASES):
            if index % 2:
                bare_seconds = _bare(bare, route.requests)
                route_seconds, waited = _one_case(api, route, index, probe)
            else:
                route_seconds, waited = _one_case(api, route, index, probe)
                bare_seconds = _bare(bare, route.requests)
            if index >= WARMUP:
                ours.append(route_seconds)
                baseline.append(bare_seconds)
                waits.append(waited)
    finally:
        api.close()
        bare.close()
    ours_p50, bare_p50 = percentile(ours, 50), percentile(baseline, 50)
    return {
        "policy": ROUTE_POLICY,
        "cases": CASES,
        "requests_per_case": route.requests,
        "stages": [len(stage) for stage in route.stages],
        "route_p50_ms": round(ours_p50 * 1000, 2),
        "route_p90_ms": round(percentile(ours, 90) * 1000, 2),
        "bare_p50_ms": round(bare_p50 * 1000, 2),
        "bare_p90_ms": round(percentile(baseline, 90) * 1000, 2),
        "route_over_bare": round(ours_p50 / bare_p50, 3),
        "route_over_bare_sums": round(sum(ours) / sum(baseline), 3),
        "precheck_wait_p50_ms": round(percentile(waits, 50) * 1000, 2),
    }

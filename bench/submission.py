"""Measurement 1: POST /api/v1/applications next to the bare insert, under the same closed loop.

Three targets take turns in short rounds of the same duration (the order rotates), so a noisy
neighbour hits each for the same time:
- bare: the baseline (bench/bare_app.py);
- ours: the real endpoint with the worker's consumption paused for the round (Celery's
  cancel_consumer), so that, like the bare endpoint, it shares the cores with no background work
  of its own. This is the headline: the cost of the endpoint. The worker's catch-up after each
  round is timed and reported as the sustained rate of the two together;
- ours, worker busy: the same, with the worker consuming during the round, as in a deployment
  where the API and the worker share two cores.
Before every round the precheck backlog is drained, so no round pays for the previous one.
"""

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from bench.fixtures import POLICY, WINDOW, Applicant
from bench.load import LoadResult, json_request, run_closed_loop
from bench.probes import Probe
from bench.stats import latency_ms, percentile

CLIENTS = 4  # two per gunicorn worker: a worker never waits for the next request
WARMUP_SECONDS = 2.0
ROUNDS = 6
ROUND_SECONDS = 3.0
MAX_PER_CLIENT = 100_000  # rounds end on time, not on count
DRAIN_TIMEOUT = 120.0
BARE_BODY = {"name": "Yanhu Bench Co.", "tier": "A", "months": 12}
ORDERS = (
    ("bare", "ours", "ours_busy"),
    ("ours", "ours_busy", "bare"),
    ("ours_busy", "bare", "ours"),
)


@dataclass
class Target:
    port: int
    request_for: Callable
    # Entered around each round: pauses the worker's consumption, or does nothing.
    during: Callable[[], AbstractContextManager]
    rounds: list[LoadResult] = field(default_factory=list)
    drain_seconds: float = 0.0


def _summary(target: Target) -> dict:
    latencies = [sample for result in target.rounds for sample in result.latencies]
    elapsed = sum(result.elapsed for result in target.rounds)
    return {
        "requests": len(latencies),
        "errors": sum(result.errors for result in target.rounds),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        **latency_ms(latencies),
        "rounds_rps": [round(result.throughput, 1) for result in target.rounds],
        "load_generator_cores": round(sum(r.client_cpu for r in target.rounds) / elapsed, 2),
        "rounds_p99_ms": [round(percentile(r.latencies, 99) * 1000, 2) for r in target.rounds],
        "drain_after_rounds_s": round(target.drain_seconds, 2),
        # Requests per second the whole system sustains: API time plus the worker's catch-up.
        "sustained_rps": round(len(latencies) / (elapsed + target.drain_seconds), 1),
    }


def measure_submission(
    api_port: int,
    bare_port: int,
    applicants: list[Applicant],
    form: dict,
    probe: Probe,
    worker_paused: Callable[[], AbstractContextManager],
) -> dict:
    if len(applicants) != CLIENTS:  # one applicant per client, each piling up its own cases
        raise ValueError(f"need {CLIENTS} applicants, got {len(applicants)}")
    body = {"policy_code": POLICY, "window_code": WINDOW, "form": form}

    def ours(i: int):
        return json_request("POST", "/api/v1/applications", body, applicants[i].token)

    targets = {
        "bare": Target(bare_port, lambda i: json_request("POST", "/items", BARE_BODY), nullcontext),
        "ours": Target(api_port, ours, worker_paused),
        "ours_busy": Target(api_port, ours, nullcontext),
    }

    def run(name: str, seconds: float) -> LoadResult:
        target = targets[name]
        probe.wait_outbox_drained(DRAIN_TIMEOUT)
        with target.during():
            result = run_closed_loop(
                target.port,
                target.request_for,
                clients=CLIENTS,
                requests_per_client=MAX_PER_CLIENT,
                time_limit=seconds,
                expect=201,
            )
            ended = time.perf_counter()
        if result.errors:
            raise RuntimeError(f"{name}: {result.errors} failed, e.g. {result.first_error}")
        probe.wait_outbox_drained(DRAIN_TIMEOUT)
        target.drain_seconds += time.perf_counter() - ended  # the worker's resumption included
        return result

    for name in targets:
        run(name, WARMUP_SECONDS)
        targets[name].drain_seconds = 0.0  # the warm-up's backlog is not part of the figure
    for index in range(ROUNDS):
        for name in ORDERS[index % len(ORDERS)]:
            targets[name].rounds.append(run(name, ROUND_SECONDS))

    summaries = {name: _summary(target) for name, target in targets.items()}
    bare = summaries["bare"]

    def ratio(name: str, key: str) -> float:
        return round(summaries[name][key] / bare[key], 3)

    return {
        "clients": CLIENTS,
        "rounds": ROUNDS,
        "round_seconds": ROUND_SECONDS,
        **summaries,
        "submit_throughput_ratio": ratio("ours", "throughput_rps"),
        "submit_p99_ratio": ratio("ours", "p99_ms"),
        "submit_p50_ratio": ratio("ours", "p50_ms"),
        "submit_throughput_ratio_worker_busy": ratio("ours_busy", "throughput_rps"),
        "submit_p99_ratio_worker_busy": ratio("ours_busy", "p99_ms"),
        "sustained_ratio": round(summaries["ours"]["sustained_rps"] / bare["throughput_rps"], 3),
    }

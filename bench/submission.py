"""Measurement 1: POST /api/v1/applications next to the bare insert, under the same closed loop.

The targets take turns in short rounds of the same duration (which goes first alternates), so a
noisy neighbour hits both for the same time. Before every round the precheck backlog is drained,
so that a bare round never pays for the worker still chewing on the previous real round; during
a real round the worker runs, as it does in production, and the time it then needs to catch up
is reported too.
"""

from dataclasses import dataclass

from bench.fixtures import POLICY, WINDOW, Applicant
from bench.load import LoadResult, json_request, run_closed_loop
from bench.probes import Probe
from bench.stats import latency_ms, percentile

CLIENTS = 4  # two per gunicorn worker: a worker never waits for the next request
WARMUP_SECONDS = 2.0
ROUNDS = 8
ROUND_SECONDS = 3.0
MAX_PER_CLIENT = 100_000  # rounds end on time, not on count
DRAIN_TIMEOUT = 120.0
BARE_BODY = {"name": "Yanhu Bench Co.", "tier": "A", "months": 12}


@dataclass
class Target:
    name: str
    port: int
    rounds: list[LoadResult]


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
    }


def measure_submission(
    api_port: int, bare_port: int, applicants: list[Applicant], form: dict, probe: Probe
) -> dict:
    if len(applicants) != CLIENTS:  # one applicant per client, each piling up its own cases
        raise ValueError(f"need {CLIENTS} applicants, got {len(applicants)}")
    body = {"policy_code": POLICY, "window_code": WINDOW, "form": form}
    requests = {
        "ours": lambda i: json_request("POST", "/api/v1/applications", body, applicants[i].token),
        "bare": lambda i: json_request("POST", "/items", BARE_BODY),
    }
    targets = {"ours": Target("ours", api_port, []), "bare": Target("bare", bare_port, [])}
    drain_seconds = 0.0

    def run(name: str, seconds: float) -> LoadResult:
        nonlocal drain_seconds
        probe.wait_outbox_drained(DRAIN_TIMEOUT)
        result = run_closed_loop(
            targets[name].port,
            requests[name],
            clients=CLIENTS,
            requests_per_client=MAX_PER_CLIENT,
            time_limit=seconds,
            expect=201,
        )
        if result.errors:
            raise RuntimeError(f"{name}: {result.errors} failed, e.g. {result.first_error}")
        if name == "ours":
            drain_seconds += probe.wait_outbox_drained(DRAIN_TIMEOUT)
        return result

    for name in ("bare", "ours"):
        run(name, WARMUP_SECONDS)
    drain_seconds = 0.0  # the warm-up's backlog is not part of the figure
    for index in range(ROUNDS):
        order = ("bare", "ours") if index % 2 == 0 else ("ours", "bare")
        for name in order:
            targets[name].rounds.append(run(name, ROUND_SECONDS))

    ours, bare = _summary(targets["ours"]), _summary(targets["bare"])
    ours_elapsed = sum(result.elapsed for result in targets["ours"].rounds)
    ours["drain_after_rounds_s"] = round(drain_seconds, 2)
    # Requests per second the whole system sustains: API time plus the worker's catch-up.
    ours["sustained_rps"] = round(ours["requests"] / (ours_elapsed + drain_seconds), 1)
    return {
        "clients": CLIENTS,
        "rounds": ROUNDS,
        "round_seconds": ROUND_SECONDS,
        "ours": ours,
        "bare": bare,
        "submit_throughput_ratio": round(ours["throughput_rps"] / bare["throughput_rps"], 3),
        "submit_p99_ratio": round(ours["p99_ms"] / bare["p99_ms"], 3),
        "submit_p50_ratio": round(ours["p50_ms"] / bare["p50_ms"], 3),
    }

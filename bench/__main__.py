"""`make bench`: prepare PostgreSQL + Redis, start the real servers, run the measurements over
HTTP and the broker (submission, pipeline, end to end, a whole route, notifications), stop the
servers, run the in-process ones (queue pages at scale, one step against SpiffWorkflow), print
them all and write var/bench/latest.json. Servers are stopped (and owned databases dropped)
whatever happens; the queue databases are kept for the next run (bench/queue_data.py)."""

import signal
import sys
import time
from datetime import UTC, datetime

from bench import bare_app
from bench.broker import (
    consuming_paused,
    publish_noop,
    publisher_app,
    queue_depth,
    wait_counter,
)
from bench.documents import remove_documents
from bench.environment import (
    OUTPUT_DIR,
    BenchEnv,
    drop_database,
    flush_broker,
    migrate_and_seed,
    recreate_database,
)
from bench.fixtures import POLICY, Identities, insert_applicants, register_applicant, valid_form
from bench.latency import measure_latency
from bench.load import Client, json_request
from bench.notifications import Sinks, measure_notifications, notification_sinks
from bench.pipeline import CASES, create_cases, measure_pipeline
from bench.probes import Probe
from bench.queue_data import prepare_queue_databases
from bench.queues import measure_queues
from bench.report import flat_figures, machine_note, print_report, write_json
from bench.route import measure_route
from bench.servers import Servers, running_servers
from bench.steps import measure_steps
from bench.submission import CLIENTS, measure_submission
from workflow import db

WORKER_START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 180.0


class Phases:
    """Wall time of each step, for the JSON and for keeping the whole run under 15 minutes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 1)
        self._last = now
        print(f"  [{name}: {self.seconds[name]:.1f} s]", flush=True)


def check_idle(env: BenchEnv) -> None:
    """Work left in stores we were handed would be done by our worker inside our timings (and
    the relay run would republish it), so refuse to start instead."""
    probe, redis = Probe(env.libpq_url), env.redis()
    try:
        pending, queued = probe.pending_outbox(), queue_depth(redis)
    finally:
        probe.close()
        redis.close()
    if pending or queued:
        raise RuntimeError(
            f"the stores are not idle: {pending} unprocessed precheck outbox rows in the database,"
            f" {queued} messages queued in the broker; give the bench fresh ones (or unset"
            " DATABASE_URL / CELERY_BROKER_URL to let it make its own)"
        )


def run_measurements(env: BenchEnv, servers: Servers, sinks: Sinks, phases: Phases) -> dict:
    app = publisher_app(env.broker_url)
    redis = env.redis()
    probe = Probe(env.libpq_url)
    try:
        # The worker is up when a no-op comes back; this also opens the publisher's connection.
        publish_noop(app, "bench:ready")
        wait_counter(redis, "bench:ready", 1, 0.05, WORKER_START_TIMEOUT)
        client = Client(servers.api.port)
        policy = client.send_json(json_request("GET", f"/api/v1/policies/{POLICY}"), expect=200)
        form = valid_form(policy)
        identities = Identities()
        applicants = [register_applicant(client, identities) for _ in range(CLIENTS + 1)]
        client.close()
        phases.done("servers up, applicants registered")

        submission = measure_submission(
            servers.api.port,
            servers.bare.port,
            applicants[:CLIENTS],
            form,
            probe,
            worker_paused=lambda: consuming_paused(app),
        )
        servers.check_alive()
        phases.done("submission")

        probe.wait_outbox_drained(DRAIN_TIMEOUT)
        # One case per applicant: a second open transport case would be returned for correction
        # and never reach the window.
        applicant_ids = insert_applicants(3 * CASES, identities)
        phases.done("pipeline applicants created")
        # Each batch is made just before its run: the worker drains whatever precheck rows are
        # waiting, so a batch made early would be consumed by an earlier run.
        pipeline = measure_pipeline(
            app,
            redis,
            probe,
            make_batch=lambda n: create_cases(applicant_ids[n * CASES : (n + 1) * CASES], form),
        )
        servers.check_alive()
        phases.done("pipeline")

        latency = measure_latency(servers.api.port, applicants[CLIENTS], form, app, redis, probe)
        servers.check_alive()
        phases.done("end to end")

        route = measure_route(servers.api.port, servers.bare.port, identities, probe)
        servers.check_alive()
        phases.done("route")

        # Last: it gives the windows webhooks and clerks email addresses, which the measurements
        # above must not deliver to.
        notifications = measure_notifications(app, redis, probe, sinks)
        servers.check_alive()
        phases.done("notifications")
    finally:
        probe.close()
        redis.close()
    return {
        "submission": submission,
        "pipeline": pipeline,
        "latency": latency,
        "route": route,
        "notifications": notifications,
    }


def main() -> int:
    # A SIGTERM unwinds like Ctrl-C, so the servers are stopped by the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started_at = datetime.now(UTC)
    began = time.perf_counter()
    env = BenchEnv.from_environ()
    env.use_personal_data_keys()
    log_dir = OUTPUT_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    note = machine_note()  # taken now: the load average before the bench adds its own
    print(f"bench: servers' logs in {log_dir}", flush=True)
    phases = Phases()
    try:
        recreate_database(env)
        flush_broker(env)
        migrate_and_seed(env, log_dir)
        bare_app.create_table(env.database_url)
        db.bind(env.database_url)  # for the in-process submit service and the relay
        check_idle(env)
        phases.done("database ready")
        queue_databases = prepare_queue_databases(env, log_dir)
        phases.done("queue databases ready")
        # The notifications' SMTP sink and webhook receiver run in this process; the worker is
        # told their addresses (and rate limits it never reaches) when it starts.
        with (
            notification_sinks() as sinks,
            running_servers(env, log_dir, worker_env=sinks.worker_env()) as servers,
        ):
            results = run_measurements(env, servers, sinks, phases)
        phases.done("servers stopped")
        # In-process, with the servers gone: nothing else of ours competes for the cores.
        results["queues"] = measure_queues(queue_databases)
        phases.done("queues")
        results["steps"] = measure_steps(env, log_dir)
        phases.done("steps")
    finally:
        db.Session.remove()
        drop_database(env)
        remove_documents()
    wall = round(time.perf_counter() - began, 1)
    results["machine_note_at_start"] = note
    figures = flat_figures(results)
    figures.update(started_at=started_at.isoformat(), wall_seconds=wall, phases=phases.seconds)
    print_report(results)
    path = OUTPUT_DIR / "latest.json"
    write_json(path, figures)
    print(f"wrote {path.relative_to(OUTPUT_DIR.parent.parent)} (wall time {wall:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

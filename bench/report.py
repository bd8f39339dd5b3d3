"""What `make bench` prints, and var/bench/latest.json."""

import json
import os
import textwrap
from pathlib import Path

TARGETS = {
    "submit_throughput_ratio": (">=", 0.5),
    "submit_p99_ratio": ("<=", 3.0),
    "pipeline_ratio": (">=", 0.5),
    "queue_page_1m_over_10k": ("<=", 2.0),
    "red_page_1m_over_10k": ("<=", 2.0),
    "route_over_bare": ("<=", 4.0),
    "step_over_spiff": ("<=", 0.5),
    "fanout_ratio": (">=", 0.4),
    "drain_ratio": (">=", 0.4),
}


def machine_note() -> str:
    cores = os.cpu_count()
    load = os.getloadavg()[0]
    return (
        f"This machine has {cores} cores. The load generator (this process) shares them with "
        "everything it measures: the API (gunicorn, 2 workers), the bare app (gunicorn, 2 "
        "workers), the Celery worker (2 pool processes), PostgreSQL and Redis. Absolute figures "
        "are therefore low and noisy; each one is read as a ratio against a baseline measured in "
        f"the same run. 1-minute load average now: {load:.2f} (anything else running here "
        "adds to the noise)."
    )


def _say(text: str) -> None:
    """An explanation under a heading, wrapped to the width of the figures."""
    print(
        textwrap.fill(
            text, width=100, initial_indent="   ", subsequent_indent="   ", break_on_hyphens=False
        )
    )


def _verdict(key: str, value: float) -> str:
    op, bound = TARGETS[key]
    met = value >= bound if op == ">=" else value <= bound
    return f"(target {op} {bound}: {'met' if met else 'MISSED'})"


def _side(figures: dict) -> str:
    return (
        f"{figures['throughput_rps']:7.1f} req/s  p50 {figures['p50_ms']:6.1f} ms"
        f"  p99 {figures['p99_ms']:6.1f} ms"
    )


def _heading(text: str) -> None:
    print(textwrap.fill(text, width=100, subsequent_indent="   "))


def print_report(results: dict) -> None:
    s, p, e = results["submission"], results["pipeline"], results["latency"]
    ours, busy, bare = s["ours"], s["ours_busy"], s["bare"]
    print()
    print(textwrap.fill(results["machine_note_at_start"], width=100))
    print()
    _heading(
        f"1. Submission: {s['clients']} closed-loop clients, {s['rounds']} rotating rounds of "
        f"{s['round_seconds']:g} s per target, after a warm-up"
    )
    _say(
        "Same gunicorn settings for all. Bare (bench/bare_app.py) validates 3 fields and inserts"
        " 1 row, no auth, and starts no background work. Ours is measured as the endpoint alone:"
        " the worker stops consuming for the round (Celery cancel_consumer), the cases wait in"
        " the broker, and its catch-up afterwards is timed. Then again with the worker consuming"
        " during the round, sharing the two cores."
    )
    print(f"   POST /api/v1/applications  {_side(ours)}")
    print(f"   ... worker busy meanwhile  {_side(busy)}")
    print(f"   bare insert (bench/)       {_side(bare)}")
    _say(
        f"per round, req/s: ours {ours['rounds_rps']}; worker busy {busy['rounds_rps']};"
        f" bare {bare['rounds_rps']}"
    )
    _say(
        f"the load generator itself used {ours['load_generator_cores']:.2f} of a core during"
        f" ours, {busy['load_generator_cores']:.2f} worker busy,"
        f" {bare['load_generator_cores']:.2f} during bare"
    )
    _say(
        f"the worker needed {ours['drain_after_rounds_s']} s after the paused rounds to catch up:"
        f" API and worker together sustained {ours['sustained_rps']} submissions/s"
        f" ({s['sustained_ratio']:.3f} of bare); with the worker busy during the rounds,"
        f" {busy['sustained_rps']}/s"
    )
    key = "submit_throughput_ratio"
    print(f"   submit_throughput_ratio = {s[key]:.3f} {_verdict(key, s[key])}")
    key = "submit_p99_ratio"
    print(f"   submit_p99_ratio        = {s[key]:.3f} {_verdict(key, s[key])}")
    print(
        f"   worker busy: throughput ratio {s['submit_throughput_ratio_worker_busy']:.3f},"
        f" p99 ratio {s['submit_p99_ratio_worker_busy']:.3f} (no target)"
    )
    print()
    _heading(
        f"2. Pipeline: {p['cases']} cases, one message per case (as the API publishes), against "
        f"{p['cases']} no-op messages on the same queue and worker pool; polled every "
        f"{p['poll_ms']:g} ms"
    )
    _say(
        "Fair by construction: the cases are made by the real submit service in-process with the"
        " publisher unbound (outbox rows committed, unpublished); the clock starts at the first"
        " publish; both sides are sent by this process one message at a time with the same"
        " send_task options to the precheck queue; done = every case out of `submitted` with its"
        " window notification / the no-ops' Redis counter at the count, both polled at the same"
        " interval."
    )
    for label, runs, rate in (
        ("cases ", p["per_message_runs"], p["cases_per_second"]),
        ("no-ops", p["noop_runs"], p["noop_per_second"]),
    ):
        seconds = ", ".join(f"{run['seconds']:.2f}" for run in runs)
        published = ", ".join(f"{run['publish_seconds']:.2f}" for run in runs)
        print(f"   {label}  {rate:7.1f}/s  runs took {seconds} s (publishing: {published} s)")
    key = "pipeline_ratio"
    print(f"   pipeline_ratio = {p[key]:.3f} {_verdict(key, p[key])}")
    _say(
        f"separately, the relay's batched path (50 ids a message): "
        f"{p['relay_batched']['seconds']:.2f} s = {p['relay_batched']['per_second']:.1f} cases/s,"
        f" {p['relay_batched_ratio']:.3f} of the no-op rate"
    )
    _say(
        "(cases made in-process by submit_application with the publisher unbound: "
        f"{p['in_process_submit_per_second']:.0f} submissions/s; applicants inserted directly)"
    )
    print()
    _heading(
        f"3. End to end: {e['samples']} sequential submissions, from the 201 to the window's "
        f"notification row, polled every {e['poll_ms']:g} ms; a no-op round trip after each"
    )
    print(
        f"   e2e                    p50 {e['e2e_p50_ms']:7.2f} ms  p99 {e['e2e_p99_ms']:7.2f} ms"
        f"  max {e['e2e_max_ms']:7.2f} ms  (the POST before it: p50 {e['post_p50_ms']:.2f} ms)"
    )
    print(
        f"   celery no-op roundtrip p50 {e['celery_roundtrip_p50_ms']:7.2f} ms"
        f"  p99 {e['celery_roundtrip_p99_ms']:7.2f} ms  max {e['celery_roundtrip_max_ms']:7.2f} ms"
        "  (from send_task returning)"
    )
    print()
    _print_queues(results["queues"])
    _print_route(results["route"])
    _print_steps(results["steps"])
    _print_notifications(results["notifications"])


def _figure(key: str, value: float, width: int = 0) -> None:
    print(f"   {key:<{width}} = {value:.3f} {_verdict(key, value)}")


def _print_queues(q: dict) -> None:
    sizes = q["databases"]
    built = ", ".join(
        f"{size}: {'built in ' + str(d['built_seconds']) + ' s' if d['built_seconds'] else 'kept'}"
        for size, d in sizes.items()
    )
    _heading(
        f"4. Queues: the first page (limit {q['page']}, soonest due first) at"
        f" {sizes['1m']['cases']:,} cases against {sizes['10k']['cases']:,}, {q['rounds']} times"
        " each, taking turns"
    )
    _say(
        "In-process through applications.list_visible, the function GET /api/v1/applications"
        " calls, with the API's arguments, in a fresh session each time: the page's SELECT and"
        " its selectinload of steps. (HTTP not measured here.) Databases"
        f" yanhu_bench_queue_1m / _10k ({built}): {sizes['1m']['in_review']:,} /"
        f" {sizes['10k']['in_review']:,} in review, {sizes['1m']['red']:,} /"
        f" {sizes['10k']['red']:,} red, {sizes['1m']['steps']:,} / {sizes['10k']['steps']:,}"
        f" steps; {sizes['1m']['window_in_review']:,} / {sizes['10k']['window_in_review']:,}"
        f" in review at {q['window']}."
    )
    for name, label in (
        ("queue", f"{q['window']} clerk, in_review"),
        ("red", "talent office, sla=red"),
        ("red_in_review", "... red and in_review"),
    ):
        big, small = q[name]["1m"], q[name]["10k"]
        print(
            f"   {label:<24} 1m p50 {big['p50_ms']:6.2f} ms p90 {big['p90_ms']:6.2f}"
            f" | 10k p50 {small['p50_ms']:6.2f} ms p90 {small['p90_ms']:6.2f}"
            f" | ratio {q[name]['ratio']:.3f}"
        )
    _figure("queue_page_1m_over_10k", q["queue_page_1m_over_10k"], 22)
    _figure("red_page_1m_over_10k", q["red_page_1m_over_10k"], 22)
    for name in ("queue", "red", "red_in_review"):
        plan = q[name]["plan_1m"].splitlines()
        node = next((line.strip() for line in plan if "Scan" in line), plan[0].strip())
        executed = next((line.strip() for line in plan if line.startswith("Execution Time")), "")
        _say(f"plan at 1m, {name}: {node}; {executed}")
    shapes = q["shapes"]
    _say(
        f"Every list: {shapes['shapes']} first pages (4 roles x each filter alone x newest or"
        f" soonest due, bench/queue_shapes.py), {shapes['rounds']} times each. Slowest at 1m:"
        f" {shapes['worst_1m']}, p50 {shapes['worst_1m_ms']:.2f} ms. Steepest from 10k to 1m:"
        f" {shapes['steepest']}, ratio {shapes['steepest_1m_over_10k']:.3f} (no target)."
    )
    for key, name in (("queue_page_1m_over_10k", "queue"), ("red_page_1m_over_10k", "red")):
        op, bound = TARGETS[key]
        if q[key] > bound:
            print(f"   {key} missed; EXPLAIN (ANALYZE, BUFFERS) at 1m:")
            print(textwrap.indent(q[name]["plan_1m"], "     "))
    print()


def _print_route(r: dict) -> None:
    _heading(
        f"5. A whole route over HTTP: {r['cases']} {r['policy']} cases, each"
        f" {r['requests_per_case']} requests, against {r['requests_per_case']} bare inserts,"
        " taking turns"
    )
    _say(
        "Ours: the applicant's POST, the clerk's GET (for the ETag after the pre-check), accept,"
        f" one approve_step per department of the route (stages {r['stages']}), conclude; every"
        " action with If-Match from the answer before. The clock is the sum of those requests"
        " alone: the wait for the worker's pre-check (p50"
        f" {r['precheck_wait_p50_ms']:.1f} ms) is outside it. Bare: as many POST /items to"
        " bench/bare_app.py, one after another. Both on gunicorn with 2 sync workers."
    )
    print(
        f"   route  p50 {r['route_p50_ms']:7.1f} ms  p90 {r['route_p90_ms']:7.1f} ms"
        f"   ({r['route_p50_ms'] / r['requests_per_case']:.1f} ms a request)"
    )
    print(
        f"   bare   p50 {r['bare_p50_ms']:7.1f} ms  p90 {r['bare_p90_ms']:7.1f} ms"
        f"   ({r['bare_p50_ms'] / r['requests_per_case']:.1f} ms a request)"
    )
    _figure("route_over_bare", r["route_over_bare"])
    _say(f"(ratio of the sums over all cases: {r['route_over_bare_sums']:.3f})")
    print()


def _print_steps(t: dict) -> None:
    _heading(
        f"6. One step of a case: {t['cases']} cases x {t['steps_per_case']} steps (accept,"
        " review, a three-department sign-off where all must sign, approve), one step per"
        " transaction, in-process, ours against SpiffWorkflow, taking turns case by case"
    )
    _say(
        "Ours: act_on_application, the service the actions endpoint calls, on a database"
        " seeded with this route. SpiffWorkflow: bench/review_route.bpmn, the state in a row:"
        " SELECT ... FOR UPDATE, deserialize, complete the ready task, serialize, UPDATE, one"
        " audit row, commit. Same PostgreSQL server, same SQLAlchemy engine."
    )
    ours, spiff = t["ours"], t["spiff"]
    print(
        f"   ours    mean {ours['mean_ms']:6.2f} ms  p50 {ours['p50_ms']:6.2f} ms"
        f"  p90 {ours['p90_ms']:6.2f} ms  ({t['ours_statements_per_step']:g} SQL statements"
        " a step)"
    )
    print(
        f"   spiff   mean {spiff['mean_ms']:6.2f} ms  p50 {spiff['p50_ms']:6.2f} ms"
        f"  p90 {spiff['p90_ms']:6.2f} ms  ({t['spiff_statements_per_step']:g} SQL statements"
        " a step)"
    )
    print(f"   step_ms = {t['step_ms']:.3f}, spiff_step_ms = {t['spiff_step_ms']:.3f} (means)")
    _figure("step_over_spiff", t["step_over_spiff"])
    _say(f"(ratio of the p50s: {t['step_over_spiff_p50']:.3f})")
    _say(
        f"floor, not a target: SpiffWorkflow's statements with no engine (bench/bare_steps.py)"
        f" {t['bare_step_ms']:.2f} ms a step, bare_over_spiff = {t['bare_over_spiff']:.3f}"
    )
    print(
        f"   apply_ms = {t['apply_ms']:.3f} a step ({t['apply_calls_per_step']:g} apply() calls"
        " a step)"
    )
    _say(
        f"where ours spends a step's {t['step_ms']:.2f} ms: loading the locked case and its steps"
        f" (get_visible) {t['get_visible_ms']:.2f} ms, apply() {t['apply_ms']:.2f} ms,"
        f" writing what apply() queued at commit (write_pending: the flush of the case and its"
        f" steps, the event, the notifications) {t['write_pending_ms']:.2f} ms, the rest (the"
        " handler, COMMIT, the session)"
        f" {t['step_ms'] - t['get_visible_ms'] - t['apply_ms'] - t['write_pending_ms']:.2f} ms."
        f" SpiffWorkflow's engine alone (deserialize, complete, serialize)"
        f" {t['spiff_engine_ms']:.2f} ms a step: apply/engine = {t['apply_over_spiff_engine']:.3f}"
    )
    _say(f"ours, p50 by step (ms): {t['ours_p50_ms_by_step']}")
    print()


def _print_notifications(n: dict) -> None:
    f, d = n["fanout"], n["drain"]
    _heading(
        f"7. Notifications: one broadcast fanned out to {f['windows']} windows x 3 channels, and"
        f" {d['rows']['rows']:,} queued webhook notifications drained, each against Celery no-op"
        " tasks through the same broker and worker pool"
    )
    _say(
        "Far sides local, in the bench process: an SMTP sink (aiosmtpd) and a webhook receiver"
        " answering 200. The worker's rate limits are set out of reach"
        f" (CHANNEL_RATE_PER_SECOND={n['channel_rate_per_second']}): every message still asks"
        " the limiter, none waits, so the machinery is measured, not the limit."
    )
    _say(
        "Fan-out: an admin's broadcast in-process (send_broadcast, the service of POST"
        f" /api/v1/admin/broadcasts), its {f['windows']} outbox rows published after the"
        " commit by the process's outbox publisher (one message a window, as the API does); done"
        f" when all {f['rows_per_broadcast']} rows (in-app, email, webhook) are delivered, polled"
        f" every {f['poll_ms']:g} ms. The {f['windows']} window tasks write their rows and send"
        " their window's email and webhook themselves; against one no-op per notification,"
        f" {f['tasks']}, published at once;"
        f" {f['rounds']} rounds taking turns after a warm-up, medians;"
        " fanout_ratio = no-op time / broadcast time."
    )
    runs = ", ".join(f"{seconds * 1000:.0f}" for seconds in f["broadcast_runs_s"])
    noops = ", ".join(f"{seconds * 1000:.0f}" for seconds in f["noop_runs_s"])
    print(f"   broadcast  median {f['fanout_ms']:7.1f} ms   runs {runs} ms")
    print(f"   no-ops     median {f['fanout_noop_ms']:7.1f} ms   runs {noops} ms")
    _figure("fanout_ratio", n["fanout_ratio"])
    ours = d["rows"]
    _say(
        f"Drain: {ours['rows']:,} webhook rows inserted as `created`, their ids queued 50 to a"
        f" message ({ours['messages']} messages) while the worker did not consume the"
        " notifications queue; timed from resuming until all were delivered. Against"
        f" {sum(run['noops'] for run in d['noop_runs']):,} no-ops (one message each) queued and"
        f" resumed the same way, in {len(d['noop_runs'])} runs taking turns with the rows"
        " (no-ops, rows, no-ops). drain_ratio = rows delivered a second / no-ops a second."
    )
    noop_runs = ", ".join(f"{run['seconds']:.2f}" for run in d["noop_runs"])
    print(
        f"   rows    {ours['rows_per_second']:7.1f}/s  ({ours['messages_per_second']:.1f}"
        f" messages/s, {ours['attempts']:,} attempts)  took {ours['seconds']:.2f} s"
    )
    print(f"   no-ops  {d['drain_noop_per_second']:7.1f}/s  runs took {noop_runs} s")
    _figure("drain_ratio", n["drain_ratio"])
    _say(f"(messages a second over no-ops a second: {d['drain_messages_ratio']:.3f})")
    print()


def flat_figures(results: dict) -> dict:
    """The headline keys at the top level of latest.json, the raw figures under their section."""
    s, p, e = results["submission"], results["pipeline"], results["latency"]
    return {
        "submit_throughput_ratio": s["submit_throughput_ratio"],
        "submit_p99_ratio": s["submit_p99_ratio"],
        "submit_throughput_ratio_worker_busy": s["submit_throughput_ratio_worker_busy"],
        "submit_p99_ratio_worker_busy": s["submit_p99_ratio_worker_busy"],
        "pipeline_ratio": p["pipeline_ratio"],
        "e2e_p50_ms": e["e2e_p50_ms"],
        "e2e_p99_ms": e["e2e_p99_ms"],
        "celery_roundtrip_p50_ms": e["celery_roundtrip_p50_ms"],
        "celery_roundtrip_p99_ms": e["celery_roundtrip_p99_ms"],
        "queue_page_1m_over_10k": results["queues"]["queue_page_1m_over_10k"],
        "red_page_1m_over_10k": results["queues"]["red_page_1m_over_10k"],
        "queue_shapes_worst_1m_ms": results["queues"]["shapes"]["worst_1m_ms"],
        "queue_shapes_steepest_1m_over_10k": results["queues"]["shapes"]["steepest_1m_over_10k"],
        "route_over_bare": results["route"]["route_over_bare"],
        "step_ms": results["steps"]["step_ms"],
        "spiff_step_ms": results["steps"]["spiff_step_ms"],
        "step_over_spiff": results["steps"]["step_over_spiff"],
        "bare_step_ms": results["steps"]["bare_step_ms"],
        "bare_over_spiff": results["steps"]["bare_over_spiff"],
        "apply_ms": results["steps"]["apply_ms"],
        "fanout_ratio": results["notifications"]["fanout_ratio"],
        "fanout_ms": results["notifications"]["fanout"]["fanout_ms"],
        "fanout_noop_ms": results["notifications"]["fanout"]["fanout_noop_ms"],
        "drain_ratio": results["notifications"]["drain_ratio"],
        "drain_rows_per_second": results["notifications"]["drain"]["drain_rows_per_second"],
        "drain_noop_per_second": results["notifications"]["drain"]["drain_noop_per_second"],
        "cpu_cores": os.cpu_count(),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        **results,
    }


def write_json(path: Path, figures: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")

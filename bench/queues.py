"""Measurement 4: the first page of a work queue at a million cases, next to the same page at ten
thousand (bench/queue_data.py builds both).

Each query runs in this process through `applications.list_visible`, the function the API's
GET /api/v1/applications calls, with the arguments the API passes for the page (limit 20, sorted
by due date), in a session of its own as a request has: the page's SELECT and the two selectinload
queries (its steps). The two sizes and the two queues take turns, so noise hits all
four alike. One plan of each query at a million is kept (EXPLAIN ANALYZE of the SELECT the
function sent), to say why when a ratio misses.
"""

import time

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.queue_data import QueueDatabase
from bench.queue_shapes import measure_shapes
from bench.statements import recorded_statements
from bench.stats import percentile
from workflow.actors import Actor
from workflow.db import Session, make_engine
from workflow.lifecycle import Role
from workflow.repositories import applications
from workflow.repositories.applications import CaseFilter

PAGE = 20
ROUNDS = 300
WARMUP = 20
WINDOW = "W05"
QUERIES = {
    # A window clerk's queue: the cases in review at their window, soonest due first.
    "queue": (
        Actor(user_id=1, role=Role.WINDOW_CLERK, window_code=WINDOW),
        CaseFilter(status="in_review", window_code=WINDOW),
    ),
    # The talent office's red list, soonest due first.
    "red": (Actor(user_id=1, role=Role.TALENT_OFFICE), CaseFilter(sla="red")),
    # No target: the red list narrowed to cases still in review (see the report).
    "red_in_review": (
        Actor(user_id=1, role=Role.TALENT_OFFICE),
        CaseFilter(status="in_review", sla="red"),
    ),
}


def _first_page(engine: Engine, actor: Actor, filters: CaseFilter) -> tuple[float, int]:
    Session.configure(bind=engine)
    session = Session()
    began = time.perf_counter()
    cases = applications.list_visible(session, actor, filters, limit=PAGE, by_due_date=True)
    elapsed = time.perf_counter() - began
    Session.remove()
    return elapsed, len(cases)


def _plan(engine: Engine, actor: Actor, filters: CaseFilter) -> str:
    with recorded_statements(engine) as sent:
        _first_page(engine, actor, filters)
    statement, parameters = sent[0]  # the page's own SELECT; then its steps
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_queues(databases: list[QueueDatabase]) -> dict:
    engines = {db.size: make_engine(db.url) for db in databases}
    samples = {(size, name): [] for size in engines for name in QUERIES}
    rows = {}
    try:
        for index in range(WARMUP + ROUNDS):
            for size, engine in engines.items():
                for name, (actor, filters) in QUERIES.items():
                    elapsed, count = _first_page(engine, actor, filters)
                    if index >= WARMUP:
                        samples[size, name].append(elapsed)
                    rows[size, name] = count
        plans = {name: _plan(engines["1m"], *QUERIES[name]) for name in QUERIES}
        shapes = measure_shapes(engines)
        counts = {size: _counts(engine) for size, engine in engines.items()}
    finally:
        for engine in engines.values():
            engine.dispose()
    figures = {}
    for name in QUERIES:
        per_size = {}
        for size in engines:
            values = samples[size, name]
            per_size[size] = {
                "p50_ms": round(percentile(values, 50) * 1000, 3),
                "p90_ms": round(percentile(values, 90) * 1000, 3),
                "rows": rows[size, name],
            }
        figures[name] = {
            **per_size,
            "ratio": round(per_size["1m"]["p50_ms"] / per_size["10k"]["p50_ms"], 3),
            "plan_1m": plans[name],
        }
    return {
        "rounds": ROUNDS,
        "page": PAGE,
        "window": WINDOW,
        "databases": {
            db.size: {"cases": db.cases, "built_seconds": db.built_seconds, **counts[db.size]}
            for db in databases
        },
        **figures,
        "queue_page_1m_over_10k": figures["queue"]["ratio"],
        "red_page_1m_over_10k": figures["red"]["ratio"],
        "shapes": shapes,
    }


def _counts(engine: Engine) -> dict:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE status = 'in_review'),"
                " count(*) FILTER (WHERE sla_status = 'red'),"
                " count(*) FILTER (WHERE status = 'in_review' AND window_code = :window),"
                " (SELECT count(*) FROM steps) FROM applications"
            ),
            {"window": WINDOW},
        ).one()
    return dict(zip(("cases", "in_review", "red", "window_in_review", "steps"), row, strict=True))

"""Measurement 4, continued: every list GET /api/v1/applications can be asked for, at a million
cases against ten thousand. Four roles (a window clerk, a department's reviewer, the talent
office, finance) x each filter alone (none, status, policy, window, department, assignee, due
before, SLA red and yellow) x both orders (newest, soonest due): the first page, in-process
through applications.list_visible as in bench/queues.py, ROUNDS times each, the sizes taking
turns. No target of an issue: the worst shape, and its own 1m over 10k ratio, show whether any
list still reads every case.
"""

import datetime as dt
import time

from sqlalchemy.engine import Engine

from bench.stats import percentile
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.repositories import applications
from workflow.repositories.applications import CaseFilter

ROUNDS = 5
PAGE = 20
ROLES = {
    "clerk": Actor(user_id=1, role=Role.WINDOW_CLERK, window_code="W05"),
    "reviewer": Actor(user_id=2, role=Role.REVIEWER, department_code="housing"),
    "talent office": Actor(user_id=3, role=Role.TALENT_OFFICE, department_code="talent_office"),
    "finance": Actor(user_id=4, role=Role.FINANCE, department_code="finance"),
}
# The bench's cases fall due from a week ago to three months ahead (bench/queue_data.py).
_SOON = dt.date.today() + dt.timedelta(days=14)
FILTERS = {
    "none": CaseFilter(),
    "status": CaseFilter(status="in_review"),
    "policy": CaseFilter(policy_code="transport"),
    "window": CaseFilter(window_code="W05"),
    "department": CaseFilter(department="housing"),
    "assignee": CaseFilter(assignee_id=999_999),  # nobody: the page is empty at any size
    "due_before": CaseFilter(due_before=_SOON),
    "sla red": CaseFilter(sla="red"),
    "sla yellow": CaseFilter(sla="yellow"),
}
ORDERS = {"newest": False, "due": True}


def _first_page(engine: Engine, actor: Actor, filters: CaseFilter, by_due: bool) -> float:
    Session.configure(bind=engine)
    session = Session()
    began = time.perf_counter()
    applications.list_visible(session, actor, filters, limit=PAGE, by_due_date=by_due)
    elapsed = time.perf_counter() - began
    Session.remove()
    return elapsed


def measure_shapes(engines: dict[str, Engine]) -> dict:
    shapes = [
        (role, name, order)
        for role in ROLES
        for name in FILTERS
        for order in ORDERS
    ]  # fmt: skip
    samples = {(size, shape): [] for size in engines for shape in shapes}
    for _ in range(ROUNDS):
        for shape in shapes:
            role, name, order = shape
            for size, engine in engines.items():
                took = _first_page(engine, ROLES[role], FILTERS[name], ORDERS[order])
                samples[size, shape].append(took)
    p50 = {key: percentile(values, 50) * 1000 for key, values in samples.items()}
    worst = max(shapes, key=lambda shape: p50["1m", shape])
    steepest = max(shapes, key=lambda shape: p50["1m", shape] / p50["10k", shape])
    return {
        "shapes": len(shapes),
        "rounds": ROUNDS,
        "p50_ms": {
            " / ".join(shape): {size: round(p50[size, shape], 3) for size in engines}
            for shape in shapes
        },
        "worst_1m": " / ".join(worst),
        "worst_1m_ms": round(p50["1m", worst], 3),
        "steepest": " / ".join(steepest),
        "steepest_1m_over_10k": round(p50["1m", steepest] / p50["10k", steepest], 3),
    }

"""Measurement 6: ms per step of a six-step route, ours (bench/casework_steps.py) next to
SpiffWorkflow's (bench/spiff_steps.py), in this process, on one database of the same server
(yanhu_bench_steps, made and dropped by the run). Beside them, as a floor and not a target,
SpiffWorkflow's persistence with no engine (bench/bare_steps.py).

The database is migrated as an operator does it and seeded from a copy of seed/ in which
STEP_POLICY's route is review -> a three-department sign-off (sign: all) -> approval. Each side
runs CASES cases; they take turns case by case (the order rotating), so noise hits all three.
"""

import secrets
import shutil
import time
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from bench.bare_steps import BareCases
from bench.casework_steps import (
    APPROVAL,
    REVIEW,
    SIGN_OFF,
    STEP_POLICY,
    StepTimer,
    cases_at_window,
    create_staff,
    run_case,
)
from bench.environment import (
    OUTPUT_DIR,
    ROOT,
    BenchEnv,
    drop_named,
    migrate_and_seed,
    recreate_named,
    sibling_url,
)
from bench.fixtures import valid_form
from bench.spiff_steps import TASKS, SpiffCases
from bench.statements import recorded_statements
from bench.stats import percentile
from workflow import db
from workflow.db import Session
from workflow.policies import forget_cached_terms, policy_terms
from workflow.repositories.calendar import forget_cached_calendar
from workflow.services.seeding import seed_reference_data

CASES = 1000
WARMUP = 20
COUNTED = 3  # extra cases, after the timed ones, whose SQL statements are counted
STEPS_PER_CASE = len(TASKS)
STAGE_DAYS = 3


def seed_copy(target: Path) -> Path:
    """seed/ with STEP_POLICY's route replaced by the bench's three stages."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(ROOT / "seed", target)
    path = target / "policies.yaml"
    policies = yaml.safe_load(path.read_text())
    [policy] = [p for p in policies if p["code"] == STEP_POLICY]
    policy["route"] = [
        {"code": "review", "departments": [REVIEW], "working_days": STAGE_DAYS},
        {"code": "sign_off", "departments": list(SIGN_OFF), "sign": "all",
         "working_days": STAGE_DAYS},
        {"code": "approval", "departments": [APPROVAL], "working_days": STAGE_DAYS},
    ]  # fmt: skip
    if policy["promised_working_days"] < 3 * STAGE_DAYS:
        raise ValueError(f"{STEP_POLICY} promises fewer days than the bench's route takes")
    path.write_text(yaml.safe_dump(policies, allow_unicode=True, sort_keys=False))
    return target


def _published(code: str) -> dict:
    """The policy as GET /api/v1/policies/<code> shows it, as far as valid_form reads it."""
    terms = policy_terms(Session(), code)
    return {"form_fields": terms.form_fields, "eligibility_rules": terms.eligibility_rules}


def _summary(samples: list[float]) -> dict:
    return {
        "mean_ms": round(sum(samples) / len(samples) * 1000, 3),
        "p50_ms": round(percentile(samples, 50) * 1000, 3),
        "p90_ms": round(percentile(samples, 90) * 1000, 3),
    }


class _Sides:
    """The two sides' cases and how to run one case of each."""

    def __init__(self, engine: Engine) -> None:
        self.staff = create_staff(secrets.token_hex(3))
        total = WARMUP + CASES + COUNTED
        self.ours = cases_at_window(total, valid_form(_published(STEP_POLICY)))
        Session.remove()
        self.spiff = SpiffCases(engine)
        self.spiff_cases = self.spiff.create(total)
        self.bare = BareCases(engine)
        self.bare_cases = self.bare.create(total)
        self.actor_ids = [self.staff.clerk.user_id] + [r.user_id for r in self.staff.reviewers]
        self.timer = StepTimer()

    def run_ours(self, index: int) -> list[float]:
        case_id, version = self.ours[index]
        if WARMUP <= index < WARMUP + CASES:  # apply() is timed in the measured cases only
            with self.timer.installed():
                return run_case(self.staff, case_id, version)
        return run_case(self.staff, case_id, version)

    def run_spiff(self, index: int) -> list[float]:
        return _timed_tasks(self.spiff.complete, self.spiff_cases[index], self.actor_ids)

    def run_bare(self, index: int) -> list[float]:
        return _timed_tasks(self.bare.complete, self.bare_cases[index], self.actor_ids)


def _timed_tasks(complete, case_id: int, actor_ids: list[int]) -> list[float]:
    took = []
    for task, actor_id in zip(TASKS, actor_ids, strict=True):
        began = time.perf_counter()
        complete(case_id, task, actor_id)
        took.append(time.perf_counter() - began)
    return took


def _prepare(env: BenchEnv, log_dir: Path, url: str) -> Engine:
    recreate_named(url)
    migrate_and_seed(env, log_dir, database_url=url, seed=False)
    engine = db.bind(url)
    forget_cached_terms()  # the process may have cached another database's routes
    forget_cached_calendar()
    seed_reference_data(seed_copy(OUTPUT_DIR / "seed_steps"))
    return engine


def measure_steps(env: BenchEnv, log_dir: Path) -> dict:
    url = sibling_url(env, "steps")
    try:
        engine = _prepare(env, log_dir, url)
        sides = _Sides(engine)
        runs = {"ours": sides.run_ours, "spiff": sides.run_spiff, "bare": sides.run_bare}
        order = list(runs)
        took: dict[str, list[list[float]]] = {name: [] for name in runs}
        for index in range(WARMUP + CASES):
            if index == WARMUP:
                sides.spiff.engine_seconds = 0.0
            for name in order[index % 3 :] + order[: index % 3]:
                seconds = runs[name](index)
                if index >= WARMUP:
                    took[name].append(seconds)
        spiff_engine_seconds = sides.spiff.engine_seconds
        statements = {}
        for name, run in (("ours", sides.run_ours), ("spiff", sides.run_spiff)):
            with recorded_statements(engine) as sent:
                for index in range(WARMUP + CASES, WARMUP + CASES + COUNTED):
                    run(index)
            statements[name] = len(sent) / (COUNTED * STEPS_PER_CASE)
        if not sides.spiff.is_completed(sides.spiff_cases[-1]):
            raise RuntimeError("the last SpiffWorkflow case did not complete")
        if not sides.bare.is_completed(sides.bare_cases[WARMUP + CASES - 1]):
            raise RuntimeError("the last bare case did not complete")
    finally:
        Session.remove()
        Session.configure(bind=None)
        drop_named(url)
    return _figures(took, sides.timer, spiff_engine_seconds, statements)


def _figures(
    took: dict[str, list[list[float]]],
    timer: StepTimer,
    spiff_engine_seconds: float,
    statements: dict[str, float],
) -> dict:
    steps = CASES * STEPS_PER_CASE
    ours = took["ours"]
    ours_summary = _summary([s for case in ours for s in case])
    spiff_summary = _summary([s for case in took["spiff"] for s in case])
    bare_summary = _summary([s for case in took["bare"] for s in case])
    by_step = [[case[position] for case in ours] for position in range(STEPS_PER_CASE)]
    return {
        "cases": CASES,
        "steps_per_case": STEPS_PER_CASE,
        "ours": ours_summary,
        "spiff": spiff_summary,
        "ours_p50_ms_by_step": [round(percentile(s, 50) * 1000, 3) for s in by_step],
        "step_ms": ours_summary["mean_ms"],
        "spiff_step_ms": spiff_summary["mean_ms"],
        "step_over_spiff": round(ours_summary["mean_ms"] / spiff_summary["mean_ms"], 3),
        "step_over_spiff_p50": round(ours_summary["p50_ms"] / spiff_summary["p50_ms"], 3),
        "bare": bare_summary,
        "bare_step_ms": bare_summary["mean_ms"],
        "bare_over_spiff": round(bare_summary["mean_ms"] / spiff_summary["mean_ms"], 3),
        "apply_ms": round(timer.seconds["apply"] / steps * 1000, 3),
        "apply_calls_per_step": round(timer.calls["apply"] / steps, 2),
        "write_pending_ms": round(timer.seconds["write_pending"] / steps * 1000, 3),
        "get_visible_ms": round(timer.seconds["get_visible"] / steps * 1000, 3),
        "spiff_engine_ms": round(spiff_engine_seconds / steps * 1000, 3),
        "apply_over_spiff_engine": round(timer.seconds["apply"] / spiff_engine_seconds, 3),
        # BEGIN and COMMIT not counted: the driver sends them for both sides alike.
        "ours_statements_per_step": round(statements["ours"], 2),
        "spiff_statements_per_step": round(statements["spiff"], 2),
    }

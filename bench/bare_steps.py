"""The floor of measurement 6: SpiffWorkflow's persistence with no engine. A case is a row holding
the name of the task it waits for; one step, in one transaction, locks the row (SELECT ... FOR
UPDATE), looks the task up in a plain transition table, UPDATEs the row, inserts one audit row
and commits: the same statements as bench/spiff_steps.py, on the same engine.

Not a target. The issue that set step_over_spiff measured this floor at about a third of
SpiffWorkflow's step; printed beside it, it shows how much of SpiffWorkflow's step is its engine
on the machine at hand, and so how much room 0.5x of it leaves above what any transition costs
with that persistence.
"""

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.spiff_steps import TASKS

# Each task and the one that follows it; None: the route is done.
NEXT_TASK = dict(zip(TASKS, (*TASKS[1:], None), strict=True))

_TABLES = """
CREATE TABLE IF NOT EXISTS bench_bare_step_cases (
    id serial PRIMARY KEY, waiting_for varchar(64), updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_bare_step_audit (
    id serial PRIMARY KEY, case_id integer NOT NULL REFERENCES bench_bare_step_cases (id),
    task varchar(64) NOT NULL, actor_id integer, created_at timestamptz NOT NULL
);
"""


class BareCases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, count: int) -> list[int]:
        """`count` cases waiting for the route's first task."""
        with self.engine.begin() as connection:
            for statement in _TABLES.split(";"):
                if statement.strip():
                    connection.execute(text(statement))
            rows = connection.execute(
                text(
                    "INSERT INTO bench_bare_step_cases (waiting_for, updated_at)"
                    " SELECT :task, now() FROM generate_series(1, :count) RETURNING id"
                ),
                {"task": TASKS[0], "count": count},
            )
            return [row[0] for row in rows]

    def complete(self, case_id: int, task_name: str, actor_id: int) -> None:
        with self.engine.begin() as connection:
            waiting_for = connection.execute(
                text("SELECT waiting_for FROM bench_bare_step_cases WHERE id = :id FOR UPDATE"),
                {"id": case_id},
            ).scalar_one()
            if waiting_for != task_name:
                raise RuntimeError(f"bare case {case_id}: waits for {waiting_for}, not {task_name}")
            connection.execute(
                text(
                    "UPDATE bench_bare_step_cases SET waiting_for = :next, updated_at = now()"
                    " WHERE id = :id"
                ),
                {"next": NEXT_TASK[task_name], "id": case_id},
            )
            connection.execute(
                text(
                    "INSERT INTO bench_bare_step_audit (case_id, task, actor_id, created_at)"
                    " VALUES (:case_id, :task, :actor_id, now())"
                ),
                {"case_id": case_id, "task": task_name, "actor_id": actor_id},
            )

    def is_completed(self, case_id: int) -> bool:
        with self.engine.connect() as connection:
            waiting_for = connection.execute(
                text("SELECT waiting_for FROM bench_bare_step_cases WHERE id = :id"),
                {"id": case_id},
            ).scalar_one()
        return waiting_for is None

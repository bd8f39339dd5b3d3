"""How measurement 6's baselines keep a case: one row holding the case's state, stepped the way a
workflow engine's state is. One step, in one transaction: lock the row (SELECT ... FOR UPDATE),
let the engine advance the state by the task, UPDATE the row, insert one audit row, commit.

SpiffWorkflow (bench/spiff_steps.py) and the floor with no engine (bench/bare_steps.py) differ
only in `start` and `advance`; the statements are these, the same for both.
"""

from sqlalchemy import text
from sqlalchemy.engine import Engine

_TABLES = """
CREATE TABLE IF NOT EXISTS bench_spiff_cases (
    id serial PRIMARY KEY, state text NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_spiff_audit (
    id serial PRIMARY KEY, case_id integer NOT NULL REFERENCES bench_spiff_cases (id),
    task varchar(64) NOT NULL, actor_id integer, created_at timestamptz NOT NULL
);
"""


class RowCases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self) -> str:
        """A new case's state, waiting at its first task."""
        raise NotImplementedError

    def advance(self, case_id: int, state: str, task_name: str) -> str:
        """The state once `task_name` is done (raises if it is not the task the case waits for)."""
        raise NotImplementedError

    def finished(self, state: str) -> bool:
        raise NotImplementedError

    def create(self, count: int) -> list[int]:
        """`count` cases waiting at their first task."""
        with self.engine.begin() as connection:
            for statement in _TABLES.split(";"):
                if statement.strip():
                    connection.execute(text(statement))
            rows = connection.execute(
                text(
                    "INSERT INTO bench_spiff_cases (state, updated_at)"
                    " SELECT :state, now() FROM generate_series(1, :count) RETURNING id"
                ),
                {"state": self.start(), "count": count},
            )
            return [row[0] for row in rows]

    def complete(self, case_id: int, task_name: str, actor_id: int) -> None:
        with self.engine.begin() as connection:
            state = connection.execute(
                text("SELECT state FROM bench_spiff_cases WHERE id = :id FOR UPDATE"),
                {"id": case_id},
            ).scalar_one()
            state = self.advance(case_id, state, task_name)
            connection.execute(
                text(
                    "UPDATE bench_spiff_cases SET state = :state, updated_at = now() WHERE id = :id"
                ),
                {"state": state, "id": case_id},
            )
            connection.execute(
                text(
                    "INSERT INTO bench_spiff_audit (case_id, task, actor_id, created_at)"
                    " VALUES (:case_id, :task, :actor_id, now())"
                ),
                {"case_id": case_id, "task": task_name, "actor_id": actor_id},
            )

    def is_completed(self, case_id: int) -> bool:
        with self.engine.connect() as connection:
            state = connection.execute(
                text("SELECT state FROM bench_spiff_cases WHERE id = :id"), {"id": case_id}
            ).scalar_one()
        return self.finished(state)

"""The baseline of measurement 6: the same six-step route run by SpiffWorkflow, a BPMN engine,
the way such an engine is kept in a database.

The process is bench/review_route.bpmn (accept, review, a parallel split to three departments
who must all sign, the join, approve), parsed once by SpiffWorkflow's BpmnParser. A case is a
row holding the workflow's serialized state. One step, in one transaction: lock the row (SELECT
... FOR UPDATE), deserialize, complete the ready user task, run the engine to the next wait,
serialize, UPDATE the row, insert one audit row, commit.
"""

import time
from pathlib import Path

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text
from sqlalchemy.engine import Engine

PROCESS_FILE = Path(__file__).with_name("review_route.bpmn")
PROCESS_ID = "review_route"
# The user tasks in the order the bench completes them: one per step.
TASKS = ("accept", "review", "sign_housing", "sign_finance", "sign_organisation", "approve")

_TABLES = """
CREATE TABLE IF NOT EXISTS bench_spiff_cases (
    id serial PRIMARY KEY, state text NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS bench_spiff_audit (
    id serial PRIMARY KEY, case_id integer NOT NULL REFERENCES bench_spiff_cases (id),
    task varchar(64) NOT NULL, actor_id integer, created_at timestamptz NOT NULL
);
"""


class SpiffCases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        parser = BpmnParser()
        parser.add_bpmn_file(str(PROCESS_FILE))
        self.spec = parser.get_spec(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer()
        # Time spent in the engine itself: deserialize, complete, run on, serialize.
        self.engine_seconds = 0.0

    def create(self, count: int) -> list[int]:
        """`count` cases waiting at their first user task (accept)."""
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        state = self.serializer.serialize_json(workflow)
        with self.engine.begin() as connection:
            for statement in _TABLES.split(";"):
                if statement.strip():
                    connection.execute(text(statement))
            rows = connection.execute(
                text(
                    "INSERT INTO bench_spiff_cases (state, updated_at)"
                    " SELECT :state, now() FROM generate_series(1, :count) RETURNING id"
                ),
                {"state": state, "count": count},
            )
            return [row[0] for row in rows]

    def complete(self, case_id: int, task_name: str, actor_id: int) -> None:
        with self.engine.begin() as connection:
            state = connection.execute(
                text("SELECT state FROM bench_spiff_cases WHERE id = :id FOR UPDATE"),
                {"id": case_id},
            ).scalar_one()
            began = time.perf_counter()
            workflow = self.serializer.deserialize_json(state)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            task = next((t for t in ready if t.task_spec.name == task_name), None)
            if task is None:
                names = [t.task_spec.name for t in ready]
                raise RuntimeError(f"spiff case {case_id}: {task_name} is not ready ({names})")
            task.run()
            workflow.do_engine_steps()
            state = self.serializer.serialize_json(workflow)
            self.engine_seconds += time.perf_counter() - began
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
        return self.serializer.deserialize_json(state).is_completed()

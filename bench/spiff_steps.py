"""The baseline of measurement 6: the same six-step route run by SpiffWorkflow, a BPMN engine,
the way such an engine is kept in a database (bench/row_cases.py: the state in a row, locked,
updated, one audit row a step).

The process is bench/review_route.bpmn (accept, review, a parallel split to three departments
who must all sign, the join, approve), parsed once by SpiffWorkflow's BpmnParser. A step
deserializes the state, completes the ready user task, runs the engine to the next wait and
serializes it again.
"""

import time
from pathlib import Path

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Engine

from bench.row_cases import RowCases

PROCESS_FILE = Path(__file__).with_name("review_route.bpmn")
PROCESS_ID = "review_route"
# The user tasks in the order the bench completes them: one per step.
TASKS = ("accept", "review", "sign_housing", "sign_finance", "sign_organisation", "approve")


class SpiffCases(RowCases):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        parser = BpmnParser()
        parser.add_bpmn_file(str(PROCESS_FILE))
        self.spec = parser.get_spec(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer()
        # Time spent in the engine itself: deserialize, complete, run on, serialize.
        self.engine_seconds = 0.0

    def start(self) -> str:
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def advance(self, case_id: int, state: str, task_name: str) -> str:
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
        return state

    def finished(self, state: str) -> bool:
        return self.serializer.deserialize_json(state).is_completed()

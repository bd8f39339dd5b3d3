"""The floor of measurement 6: SpiffWorkflow's persistence (bench/row_cases.py) with no engine.
A case's state is the name of the task it waits for; a step looks the task up in a plain
transition table. The statements are SpiffWorkflow's, on the same engine and tables.

Not a target. The issue that set step_over_spiff measured this floor at about a third of
SpiffWorkflow's step; printed beside it, it shows how much of SpiffWorkflow's step is its engine
on the machine at hand, and so how much room 0.5x of it leaves above what any transition costs
with that persistence.
"""

from bench.row_cases import RowCases
from bench.spiff_steps import TASKS

DONE = ""
# Each task and the one that follows it.
NEXT_TASK = dict(zip(TASKS, (*TASKS[1:], DONE), strict=True))


class BareCases(RowCases):
    def start(self) -> str:
        return TASKS[0]

    def advance(self, case_id: int, state: str, task_name: str) -> str:
        if state != task_name:
            raise RuntimeError(f"bare case {case_id}: waits for {state!r}, not {task_name}")
        return NEXT_TASK[task_name]

    def finished(self, state: str) -> bool:
        return state == DONE

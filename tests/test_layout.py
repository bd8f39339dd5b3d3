"""The shape STYLE.md asks for: layer rules, named tasks on named queues, small modules."""

import ast
from pathlib import Path

import pytest

from config import TestConfig
from config.celery import celery_settings
from config.queues import TASK_QUEUES, QueueNames, TaskNames

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "config": {"api", "tasks", "workflow", "worker"},
    "workflow": {"api", "tasks", "worker"},
    "tasks": {"api", "worker"},
    "api": {"tasks", "worker"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(package):
    for path in (ROOT / package).rglob("*.py"):
        assert not _imports(path) & FORBIDDEN[package], path


def test_every_task_name_is_registered_by_a_task_and_routed_to_a_declared_queue():
    task_sources = "".join(p.read_text() for p in (ROOT / "tasks").rglob("*.py"))
    for attribute, value in vars(TaskNames).items():
        if attribute.isupper():
            assert f"name=TaskNames.{attribute}" in task_sources, value
            assert TASK_QUEUES[value] in QueueNames.all()
    assert set(TASK_QUEUES) == set(TaskNames.all())


def test_every_queue_is_used_and_consumed():
    declared = [queue.name for queue in celery_settings(TestConfig())["task_queues"]]
    assert declared == QueueNames.all()
    assert set(TASK_QUEUES.values()) == set(QueueNames.all())


def test_beat_runs_the_relay_and_the_sweeps():
    schedule = celery_settings(TestConfig())["beat_schedule"]
    assert {entry["task"] for entry in schedule.values()} == {
        TaskNames.RELAY_OUTBOX,
        TaskNames.SWEEP_DEADLINES,
        TaskNames.SWEEP_NOTIFICATIONS,
        TaskNames.START_DIGEST,
        TaskNames.ANONYMISE_EXPIRED,
    }


def test_no_module_passes_400_lines():
    for package in ("api", "workflow", "tasks", "config"):
        for path in (ROOT / package).rglob("*.py"):
            assert len(path.read_text().splitlines()) <= 400, path

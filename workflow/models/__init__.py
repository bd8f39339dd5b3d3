"""The tables. Importing this package registers every model on Base.metadata."""

from workflow.models.application import Application, Step
from workflow.models.event import Event
from workflow.models.idempotency import IdempotencyKey
from workflow.models.notification import Notification
from workflow.models.outbox import OutboxMessage
from workflow.models.reference import Department, Policy, Window
from workflow.models.user import User

__all__ = [
    "Application",
    "Department",
    "Event",
    "IdempotencyKey",
    "Notification",
    "OutboxMessage",
    "Policy",
    "Step",
    "User",
    "Window",
]

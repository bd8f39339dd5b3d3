"""The tables. Importing this package registers every model on Base.metadata."""

from workflow.models.admin_event import AdminEvent
from workflow.models.alert import Alert
from workflow.models.application import Application, Step
from workflow.models.calendar import CalendarDay, CalendarYear
from workflow.models.document import Document
from workflow.models.event import Event
from workflow.models.idempotency import IdempotencyKey
from workflow.models.identity_claim import IdentityClaim
from workflow.models.notification import (
    Broadcast,
    DeliveryAttempt,
    MessageTemplate,
    Notification,
    NotificationRule,
    WindowTask,
)
from workflow.models.outbox import OutboxMessage
from workflow.models.personal_data_access import PersonalDataAccess
from workflow.models.rectification import RectificationTask
from workflow.models.reference import Department, Policy, PolicyVersion, Window
from workflow.models.refresh_token import RefreshToken
from workflow.models.scheduled_run import ScheduledRun
from workflow.models.user import User

__all__ = [
    "AdminEvent",
    "Alert",
    "Application",
    "Broadcast",
    "CalendarDay",
    "CalendarYear",
    "DeliveryAttempt",
    "Department",
    "Document",
    "Event",
    "IdempotencyKey",
    "IdentityClaim",
    "MessageTemplate",
    "Notification",
    "NotificationRule",
    "OutboxMessage",
    "PersonalDataAccess",
    "Policy",
    "PolicyVersion",
    "RectificationTask",
    "RefreshToken",
    "ScheduledRun",
    "Step",
    "User",
    "Window",
    "WindowTask",
]

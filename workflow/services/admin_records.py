"""What every admin change shares: only admins make it, and it is recorded (AdminEvent) in the
transaction that makes it."""

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Forbidden
from workflow.lifecycle import Role
from workflow.models import AdminEvent


def only_admins(actor: Actor, what: str) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden(f"Only an admin {what}.")


def record_admin_event(actor: Actor, action: str, subject: str, data: dict) -> None:
    Session().add(
        AdminEvent(
            actor_id=actor.user_id, actor_role=actor.role, action=action, subject=subject, data=data
        )
    )

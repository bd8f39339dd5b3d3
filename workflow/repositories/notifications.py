"""Notifications addressed to an actor: their window, their department or themselves."""

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.models import Notification
from workflow.notices import DEPARTMENT, USER, WINDOW


def list_for(
    session: OrmSession, actor: Actor, *, before_id: int | None, limit: int
) -> list[Notification]:
    addressed = [
        and_(Notification.recipient_type == USER, Notification.recipient == str(actor.user_id))
    ]
    if actor.window_code:
        addressed.append(
            and_(Notification.recipient_type == WINDOW, Notification.recipient == actor.window_code)
        )
    if actor.department_code:
        addressed.append(
            and_(
                Notification.recipient_type == DEPARTMENT,
                Notification.recipient == actor.department_code,
            )
        )
    query = select(Notification).where(or_(false(), *addressed))
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))

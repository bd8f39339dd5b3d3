"""Alerts for admins and rectification tasks, newest first."""

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.errors import Forbidden
from workflow.lifecycle import Role
from workflow.models import Alert, RectificationTask


def list_alerts(session: OrmSession, *, before_id: int | None, limit: int) -> list[Alert]:
    query = select(Alert)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    return list(session.scalars(query.order_by(Alert.id.desc()).limit(limit)))


def list_rectifications(
    session: OrmSession, actor: Actor, *, before_id: int | None, limit: int
) -> list[RectificationTask]:
    query = select(RectificationTask)
    if actor.role == Role.WINDOW_CLERK:
        query = query.where(RectificationTask.window_code == actor.window_code)
    elif actor.role not in (Role.TALENT_OFFICE, Role.ADMIN):
        raise Forbidden("Rectifications are for windows, the talent office and admins.")
    if before_id is not None:
        query = query.where(RectificationTask.id < before_id)
    return list(session.scalars(query.order_by(RectificationTask.id.desc()).limit(limit)))

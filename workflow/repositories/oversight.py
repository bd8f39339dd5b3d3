"""Alerts for admins, rectification tasks and the record of reads of personal data, newest
first."""

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.errors import Forbidden
from workflow.lifecycle import Role
from workflow.models import Alert, PersonalDataAccess, RectificationTask


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


def list_personal_data_access(
    session: OrmSession, *, subject_id: int | None, before_id: int | None, limit: int
) -> list[PersonalDataAccess]:
    query = select(PersonalDataAccess)
    if subject_id is not None:
        query = query.where(PersonalDataAccess.subject_id == subject_id)
    if before_id is not None:
        query = query.where(PersonalDataAccess.id < before_id)
    return list(session.scalars(query.order_by(PersonalDataAccess.id.desc()).limit(limit)))

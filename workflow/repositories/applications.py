"""Cases, scoped to what an actor may see (a case the actor may not see does not exist for them)."""

from sqlalchemy import Select, exists, func, select, tuple_
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.lifecycle import OPEN, Role, Status
from workflow.models import Application, Event, Step

FULL_VIEW = frozenset({Role.TALENT_OFFICE, Role.ADMIN, Role.SYSTEM})


def visible_to(actor: Actor) -> Select:
    query = select(Application)
    match actor.role:
        case Role.APPLICANT:
            return query.where(Application.applicant_id == actor.user_id)
        case Role.WINDOW_CLERK:
            return query.where(Application.window_code == actor.window_code)
        case Role.REVIEWER:
            has_step = exists().where(
                Step.application_id == Application.id,
                Step.department_code == actor.department_code,
                Step.status != "pending",
            )
            return query.where(has_step)
        case Role.FINANCE:
            return query.where(Application.status == Status.APPROVED)
        case role if role in FULL_VIEW:
            return query
    return query.where(False)


def get_visible(session: OrmSession, actor: Actor, case_id: int, lock: bool = False) -> Application:
    query = (
        visible_to(actor).where(Application.id == case_id).options(selectinload(Application.steps))
    )
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).first()
    if case is None:
        raise NotFound(f"There is no application {case_id}.")
    return case


def list_visible(
    session: OrmSession,
    actor: Actor,
    *,
    before_id: int | None,
    limit: int,
    status: str | None = None,
    policy_code: str | None = None,
) -> list[Application]:
    """Newest first, keyset-paginated on id (fast at any depth)."""
    query = visible_to(actor)
    if before_id is not None:
        query = query.where(Application.id < before_id)
    if status:
        query = query.where(Application.status == status)
    if policy_code:
        query = query.where(Application.policy_code == policy_code)
    query = query.options(selectinload(Application.steps))
    return list(session.scalars(query.order_by(Application.id.desc()).limit(limit)))


def list_events(session: OrmSession, case_id: int) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.application_id == case_id).order_by(Event.seq))
    )


def lock_submitted(session: OrmSession, case_ids: list[int]) -> list[Application]:
    query = (
        select(Application)
        .where(Application.id.in_(case_ids), Application.status == Status.SUBMITTED)
        .order_by(Application.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def earliest_open_cases(
    session: OrmSession, pairs: set[tuple[int, str]]
) -> dict[tuple[int, str], tuple[int, str]]:
    """For each (applicant, policy): the (id, reference) of its earliest open case, if any."""
    if not pairs:
        return {}
    earliest = (
        select(func.min(Application.id))
        .where(
            tuple_(Application.applicant_id, Application.policy_code).in_(list(pairs)),
            Application.status.in_([str(s) for s in OPEN]),
        )
        .group_by(Application.applicant_id, Application.policy_code)
    )
    rows = session.execute(
        select(
            Application.applicant_id, Application.policy_code, Application.id, Application.reference
        ).where(Application.id.in_(earliest))
    )
    return {(row[0], row[1]): (row[2], row[3]) for row in rows}

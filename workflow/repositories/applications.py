"""Cases, scoped to what an actor may see (a case the actor may not see does not exist for them)."""

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, or_, select, text, tuple_, union
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import joinedload, selectinload

from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.lifecycle import GRANTED, OPEN, UNDER_REVIEW, Role, Status
from workflow.models import Application, Event, Step
from workflow.models.application import HAS_DEADLINE_SQL, UNDER_REVIEW_SQL

FULL_VIEW = frozenset({Role.TALENT_OFFICE, Role.ADMIN, Role.SYSTEM})
# Roles that see cases in some statuses only: finance, the granted ones.
SEEN_STATUSES = {Role.FINANCE: GRANTED}


def visible_to(role: Role) -> Select:
    """The cases an actor in `role` may see. The actor's own user id, window and department
    are bound parameters (visibility_params), so the statement is the same for every actor of
    a role and a caller may build it once."""
    query = select(Application)
    match role:
        case Role.APPLICANT:
            return query.where(Application.applicant_id == bindparam("actor_user_id"))
        case Role.WINDOW_CLERK:
            return query.where(Application.window_code == bindparam("actor_window"))
        case Role.REVIEWER:
            # A step that is or was open: a case returned past it stays visible.
            has_step = exists().where(
                Step.application_id == Application.id,
                Step.department_code == bindparam("actor_department"),
                or_(Step.status != "pending", Step.opened_on.is_not(None)),
            )
            return query.where(has_step)
        case Role.FINANCE:
            return query.where(Application.status.in_([str(s) for s in SEEN_STATUSES[role]]))
        case role if role in FULL_VIEW:
            return query
    return query.where(False)


def visibility_params(actor: Actor) -> dict:
    return {
        "actor_user_id": actor.user_id,
        "actor_window": actor.window_code,
        "actor_department": actor.department_code,
    }


@cache
def _one_case(role: Role, lock: bool) -> Select:
    # Built once per role: building it and its cache key cost more than running it (0.13 ms
    # for a reviewer), and every read of a case and every action starts here.
    query = (
        visible_to(role)
        .where(Application.id == bindparam("case_id"))
        .options(joinedload(Application.steps))
    )
    return query.with_for_update(of=Application) if lock else query


def get_visible(session: OrmSession, actor: Actor, case_id: int, lock: bool = False) -> Application:
    """The case with its steps, in one statement (`lock`: the case row locked until commit)."""
    params = {**visibility_params(actor), "case_id": case_id}
    case = session.scalars(_one_case(actor.role, lock), params).unique().first()
    if case is None:
        raise NotFound(f"There is no application {case_id}.")
    return case


@dataclass(frozen=True)
class CaseFilter:
    """What a queue shows: each field set narrows it."""

    status: str | None = None
    policy_code: str | None = None
    window_code: str | None = None
    department: str | None = None  # cases with an open step of this department
    assignee_id: int | None = None  # claimed by or assigned to this person
    due_before: date | None = None  # due on or before
    sla: str | None = None


def list_visible(
    session: OrmSession,
    actor: Actor,
    filters: CaseFilter,
    *,
    limit: int,
    after_id: int | None = None,
    after_due: tuple[date, int] | None = None,
    by_due_date: bool = False,
) -> list[Application]:
    """Newest first, or soonest due first (cases with a running deadline only), keyset-paginated
    so any page costs the same at any depth."""
    if not _statuses_left(actor.role, filters):
        return []
    query = _filtered(visible_to(actor.role), filters)
    if by_due_date:
        query = query.where(text(HAS_DEADLINE_SQL))  # as the queue's index says it
        if after_due is not None:
            query = query.where(tuple_(Application.due_date, Application.id) > after_due)
        query = query.order_by(Application.due_date, Application.id)
    else:
        if after_id is not None:
            query = query.where(Application.id < after_id)
        query = query.order_by(Application.id.desc())
    query = query.options(selectinload(Application.steps))
    return list(session.scalars(query.limit(limit), visibility_params(actor)))


def _statuses_left(role: Role, filters: CaseFilter) -> bool:
    """Whether any status is both one the role sees and one the filters allow. Finance sees
    granted cases only, and the live lists (an SLA colour, a department's open steps) cases under
    review only: such a list for finance is empty, which the database would learn only by
    reading every case."""
    statuses = set(SEEN_STATUSES.get(role, Status))
    if filters.status is not None:
        statuses &= {filters.status}
    if filters.sla is not None or filters.department is not None:
        statuses &= UNDER_REVIEW
    return bool(statuses)


def _filtered(query: Select, filters: CaseFilter) -> Select:
    for column, value in (
        (Application.status, filters.status),
        (Application.policy_code, filters.policy_code),
        (Application.window_code, filters.window_code),
        (Application.sla_status, filters.sla),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.sla is not None or filters.department is not None:
        # The live lists: decided cases keep their last colour, and an open step means the case
        # is under review. Said as the live indexes say it, so that these lists read live cases.
        query = query.where(text(UNDER_REVIEW_SQL))
    if filters.due_before is not None:
        query = query.where(Application.due_date <= filters.due_before)
    if filters.department is not None:
        query = query.where(
            exists().where(
                Step.application_id == Application.id,
                Step.department_code == filters.department,
                Step.status == "open",
            )
        )
    if filters.assignee_id is not None:
        # Claimed by or assigned to this person, at the window or on an open step: the few ids
        # the two assignee indexes give, rather than every case tested for either.
        theirs = union(
            select(Application.id).where(Application.assignee_id == filters.assignee_id),
            select(Step.application_id).where(
                Step.assignee_id == filters.assignee_id, Step.status == "open"
            ),
        )
        query = query.where(Application.id.in_(theirs))
    return query


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
    """For each (applicant, policy): the (id, reference) of its earliest case still open or
    granted, if any (a benefit is not granted twice)."""
    if not pairs:
        return {}
    earliest = (
        select(func.min(Application.id))
        .where(
            tuple_(Application.applicant_id, Application.policy_code).in_(list(pairs)),
            Application.status.in_([str(s) for s in OPEN | GRANTED]),
        )
        .group_by(Application.applicant_id, Application.policy_code)
    )
    rows = session.execute(
        select(
            Application.applicant_id, Application.policy_code, Application.id, Application.reference
        ).where(Application.id.in_(earliest))
    )
    return {(row[0], row[1]): (row[2], row[3]) for row in rows}


def list_stuck(session: OrmSession, *, before_id: int | None, limit: int) -> list[Application]:
    """Cases parked for an admin (needs_attention), newest first."""
    query = select(Application).where(Application.status == Status.NEEDS_ATTENTION)
    if before_id is not None:
        query = query.where(Application.id < before_id)
    return list(session.scalars(query.order_by(Application.id.desc()).limit(limit)))

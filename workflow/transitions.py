"""The one transition function: every change of a case's status goes through apply().

apply() takes a row of the lifecycle table (workflow/lifecycle.py) and does everything the row
says, in the caller's transaction: the guard, the new status, the hash-chained event, the
notices (one outbox row for the notification dispatcher, workflow/notifications/dispatch.py),
the outbox row of the task that follows. The new rows are written together when
the transaction commits (or at write_pending()), so a batch of a hundred cases costs one INSERT
per table, not a hundred: submission, the pre-check batch, human actions and sweeps all take the
same path, whatever their size.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import event, insert
from sqlalchemy.orm import Session as OrmSession

from config.queues import TaskNames
from workflow import outbox
from workflow.actors import Actor
from workflow.audit import event_values
from workflow.db import Session
from workflow.deadlines import apply_clock, date_open_steps
from workflow.lifecycle import (
    ASSIGNEE,
    DEPARTMENT,
    HEADS,
    UNDER_REVIEW,
    Action,
    Role,
    Transition,
    transition_for,
)  # fmt: skip
from workflow.models import Application, Event, OutboxMessage
from workflow.models._types import utcnow
from workflow.notifications import dispatch
from workflow.review import end_review

_CASES, _EVENTS, _OUTBOX = Application.__table__, Event.__table__, OutboxMessage.__table__
_NEW_CASE_COLUMNS = [column.key for column in _CASES.columns if column.key != "id"]
_PENDING = "transitions_pending"


@dataclass
class _Pending:
    """What this transaction's transitions will write, in the order they were applied."""

    new_cases: list[Application] = field(default_factory=list)
    # (case, event values without the case id, the row's notices: (recipient, kind) pairs)
    events: list[tuple[Application, dict, tuple]] = field(default_factory=list)
    tasks: list[tuple[Application, str]] = field(default_factory=list)


def apply(
    session: OrmSession,
    case: Application,
    action: Action,
    actor: Actor,
    *,
    comment: str | None = None,
    data: dict | None = None,
    on_behalf_of: int | None = None,
    role: Role | None = None,
) -> Transition:
    """Take `action` on `case` as `actor` (acting in `role`, the actor's own by default).

    Raises InvalidTransition (409) or Forbidden (403) and changes nothing, or moves the case in
    memory, applies the row's clock effect, and queues its event, notifications and task for
    this transaction. A case not yet stored (status None, action SUBMIT) is inserted with them.
    """
    row = transition_for(case.status, action, role or actor.role)
    before = case.status
    data = data or {}
    if row.clock is not None:
        data = {**data, **apply_clock(session, case, row.clock, action, data)}
    if row.target in UNDER_REVIEW:  # a review stage may just have opened
        date_open_steps(session, case)
    elif before in UNDER_REVIEW:  # the review is over; approval leaves no step open anyway
        end_review(case)
    case.status = row.target
    case.version = (case.version or 0) + 1
    case.updated_at = utcnow()
    values = event_values(case, action, before, actor, comment, data, on_behalf_of=on_behalf_of)
    pending = session.info.setdefault(_PENDING, _Pending())
    if before is None:
        pending.new_cases.append(case)
    pending.events.append((case, values, _addressed(row.notify, data)))
    if row.task:
        pending.tasks.append((case, row.task))
    return row


# Recipients the transition's data names (the others are the case's own: applicant, window).
_NAMED_BY = {DEPARTMENT: ("departments",), ASSIGNEE: ("assignee", "assignees"), HEADS: ("heads",)}


def _addressed(notify: tuple, data: dict) -> tuple:
    """The row's notices that name someone: a sign-off still waiting for others opens no stage,
    so its "review assigned" has no department to go to, and nothing is queued for it."""
    return tuple(
        (recipient, kind)
        for recipient, kind in notify
        if any(data.get(key) for key in _NAMED_BY.get(recipient, ())) or recipient not in _NAMED_BY
    )


def write_pending(session: OrmSession) -> None:
    """Write what this transaction's transitions queued; runs by itself before every commit.

    One statement per table whatever the number of cases; a result is read back only where a
    later row needs it (a new case's id, the ids of the events the dispatcher is to notify of).
    """
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    if pending.new_cases:
        rows = [_new_case_row(case) for case in pending.new_cases]
        for case, case_id in zip(pending.new_cases, _ids(session, _CASES, rows), strict=True):
            case.id = case_id
    session.flush()  # the moved cases, and whatever else the services changed (steps)
    events = [{**values, "application_id": case.id} for case, values, _ in pending.events]
    now = utcnow()
    tasks = [(task, {"application_id": case.id}) for case, task in pending.tasks]
    if any(notices for _, _, notices in pending.events):
        event_ids = _ids(session, _EVENTS, events)
        told = [
            [event_id, [list(notice) for notice in notices]]
            for (_, _, notices), event_id in zip(pending.events, event_ids, strict=True)
            if notices
        ]
        if notices_written_here:
            _write_notices(session, pending, events, event_ids, told)
        else:  # one dispatcher message for the whole transaction: which event tells whom what
            tasks.append((TaskNames.DISPATCH_NOTIFICATIONS, {"events": told}))
    else:
        _insert(session, _EVENTS, events)
    if tasks:
        rows = [
            {"task": task, "payload": payload, "created_at": now, "attempts": 0}
            for task, payload in tasks
        ]
        for (task, _), outbox_id in zip(tasks, _ids(session, _OUTBOX, rows), strict=True):
            outbox.publish_after_commit(session, task, outbox_id)


# Where the notices' rows are written. A request leaves them to the dispatcher (one outbox row:
# the request reads no rules, templates or people). The worker writes its own transitions' rows
# in the same transaction, from what it holds: no second transaction, no broker round trip.
notices_written_here = False


def write_notices_here(enabled: bool = True) -> None:
    global notices_written_here
    notices_written_here = enabled


def _write_notices(session, pending: _Pending, events: list[dict], event_ids, told) -> None:
    seen = {
        event_id: SimpleNamespace(id=event_id, **values)
        for values, event_id in zip(events, event_ids, strict=True)
    }
    cases = {case.id: case for case, _, _ in pending.events}
    dispatch.write_now(session, told, seen, cases)


def _new_case_row(case: Application) -> dict:
    # Unset columns are left out, so their defaults apply.
    return {key: value for key in _NEW_CASE_COLUMNS if (value := getattr(case, key)) is not None}


# Plain INSERTs that read nothing back, not even the new id.
_INSERT = {_EVENTS: insert(_EVENTS).inline()}
# INSERT ... RETURNING id, built once per table: one row at a time, and many in parameter order.
_RETURNING_ID = {
    table: (
        insert(table).returning(table.c.id),
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
    )
    for table in (_CASES, _EVENTS, _OUTBOX)
}


# Core statements on the session's connection: the ORM has nothing to add to them.
def _insert(session: OrmSession, table, rows: list[dict]) -> None:
    session.connection().execute(_INSERT[table], rows[0] if len(rows) == 1 else rows)


def _ids(session: OrmSession, table, rows: list[dict]) -> list[int]:
    one, many = _RETURNING_ID[table]
    connection = session.connection()
    if len(rows) == 1:
        return [connection.execute(one, rows[0]).scalar_one()]
    return list(connection.execute(many, rows).scalars())


@event.listens_for(Session.session_factory, "before_commit")
def _write_before_commit(session: OrmSession) -> None:
    write_pending(session)


@event.listens_for(Session.session_factory, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)

"""A new case, its first audit event and its outbox row, added in the caller's transaction.

Every submission writes these three rows, which makes this the busiest write in the system. On
PostgreSQL they go in one statement (data-modifying CTEs): one round trip instead of three, and
one statement for the database instead of three. It was the largest single saving on the
submission path (bench/). SQLite has no such statement, so there they go one INSERT at a time.
The suite runs on both.
"""

from sqlalchemy import bindparam, func, insert, literal, select, true
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Application, Event, OutboxMessage

_CASES, _EVENTS, _OUTBOX = Application.__table__, Event.__table__, OutboxMessage.__table__
_CASE_COLUMNS = [column for column in _CASES.columns if column.key != "id"]
_EVENT_COLUMNS = [c for c in _EVENTS.columns if c.key not in ("id", "application_id")]
# The outbox payload is {"application_id": <case id>}, as the precheck consumer reads it.
_PAYLOAD_KEY = "application_id"


def _one_statement():
    case = (
        insert(_CASES)
        .values({column.key: bindparam(column.key, type_=column.type) for column in _CASE_COLUMNS})
        .returning(_CASES.c.id)
        .cte("new_case")
    )
    event = (
        insert(_EVENTS)
        .from_select(
            ["application_id", *(column.key for column in _EVENT_COLUMNS)],
            select(
                case.c.id,
                *(bindparam(f"event_{column.key}", type_=column.type) for column in _EVENT_COLUMNS),
            ),
        )
        .cte("new_event")
    )
    message = (
        insert(_OUTBOX)
        .from_select(
            ["task", "payload", "created_at", "attempts"],
            select(
                bindparam("outbox_task", type_=_OUTBOX.c.task.type),
                func.jsonb_build_object(_PAYLOAD_KEY, case.c.id),
                bindparam("outbox_created_at", type_=_OUTBOX.c.created_at.type),
                literal(0),
            ),
        )
        .returning(_OUTBOX.c.id)
        .cte("new_message")
    )
    # One row each: joined on nothing, said explicitly.
    both = select(case.c.id, message.c.id.label("outbox_id")).join_from(case, message, true())
    return both.add_cte(event)


_ONE_STATEMENT = _one_statement()


def insert_new_case(
    session: OrmSession, case: Application, event: dict, task: str
) -> tuple[int, int]:
    """Adds the rows of `case` (not in the session), its first event (column values, without the
    case id) and an outbox row for `task`; returns (case id, outbox id).

    Every column is written as the case object holds it: column defaults do not apply here, so
    the caller sets every column (a column added to Application must be set by submission).
    """
    values = {column.key: getattr(case, column.key) for column in _CASE_COLUMNS}
    now = case.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        params = {**values, "outbox_task": task, "outbox_created_at": now}
        params.update({f"event_{key}": value for key, value in event.items()})
        case_id, outbox_id = session.execute(_ONE_STATEMENT, params).one()
        return case_id, outbox_id
    case_id = session.execute(insert(_CASES).returning(_CASES.c.id), values).scalar_one()
    session.execute(insert(_EVENTS), {**event, "application_id": case_id})
    outbox_id = session.execute(
        insert(_OUTBOX).returning(_OUTBOX.c.id),
        {"task": task, "payload": {_PAYLOAD_KEY: case_id}, "created_at": now, "attempts": 0},
    ).scalar_one()
    return case_id, outbox_id

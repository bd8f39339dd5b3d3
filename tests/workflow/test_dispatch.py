"""The dispatcher: one transition whose notices cannot be written holds back no other; it is
tried again by itself later, and written once it can be."""

from datetime import timedelta

from sqlalchemy import select, update

from config.queues import TaskNames
from tests.factories import act, routed_case, run_dispatch, staff
from workflow.db import Session
from workflow.models import Notification, OutboxMessage
from workflow.models._types import utcnow
from workflow.notifications import dispatch


def _waiting() -> list[OutboxMessage]:
    rows = (
        Session()
        .scalars(
            select(OutboxMessage)
            .where(OutboxMessage.task == TaskNames.DISPATCH_NOTIFICATIONS)
            .order_by(OutboxMessage.id)
        )
        .all()
    )
    Session.remove()
    return rows


def _notified_events() -> set[int]:
    events = set(Session().scalars(select(Notification.event_id)))
    Session.remove()
    return events


def test_notices_that_cannot_be_written_hold_back_no_others(client, monkeypatch):
    clerk = staff(client, "window_clerk", window="W03")
    cases = [routed_case(client)[1] for _ in range(3)]
    run_dispatch()  # what came before: the three acceptances below are the batch
    for case_id in cases:
        assert act(client, clerk, case_id, "accept").status_code == 200
    messages = [m for m in _waiting() if m.processed_at is None]
    assert len(messages) == 3
    bad = messages[1]
    [[bad_event, _]] = bad.payload["events"]
    write_rows = dispatch._rows

    def failing(session, told, *rest):
        if any(event_id == bad_event for event_id, _ in told):
            raise KeyError("a template placeholder that no longer exists")
        return write_rows(session, told, *rest)

    monkeypatch.setattr(dispatch, "_rows", failing)
    run_dispatch()  # one batch: all three, taken together

    after = {m.id: m for m in _waiting()}
    assert all(after[m.id].processed_at for m in messages if m.id != bad.id)
    held = after[bad.id]
    assert held.processed_at is None and held.last_error == "KeyError"
    assert held.retry_at > utcnow() + timedelta(seconds=dispatch.RETRY_SECONDS / 2)
    told = {event for m in messages for [event, _] in m.payload["events"]}
    assert _notified_events() & told == told - {bad_event}

    monkeypatch.setattr(dispatch, "_rows", write_rows)  # mended
    session = Session()
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == bad.id).values(retry_at=utcnow())
    )
    session.commit()
    Session.remove()
    dispatch.dispatch_notices([bad.id])  # what the relay's republishing leads to
    Session.remove()
    assert bad_event in _notified_events()
    assert next(m for m in _waiting() if m.id == bad.id).processed_at is not None

"""Queries the reliability tests use to check the invariants."""

from amqp.exceptions import ChannelError
from sqlalchemy import func, select

from config.queues import TaskNames
from tests.processes import wait_for
from workflow import outbox
from workflow.db import Session
from workflow.models import Application, Event, Notification, OutboxMessage
from workflow.notifications import IN_APP
from workflow.notifications import WINDOW_BOX as WINDOW
from workflow.notifications.delivery import overdue
from workflow.publisher import publish_grouped, publisher_for


def statuses() -> dict[int, str]:
    rows = Session().execute(select(Application.id, Application.status)).all()
    Session.remove()
    return dict(rows)


def count_left_submitted() -> int:
    """Read outside any transaction: on SQLite every Session transaction begins IMMEDIATE (see
    workflow/db.py), so polling through one would wait for each of the worker's commits."""
    connection = Session.get_bind().raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM applications WHERE status = 'submitted'")
        return cursor.fetchone()[0]
    finally:
        connection.close()  # back to the pool, rolled back


def assert_each_case_prechecked_exactly_once(case_ids: list[int]) -> None:
    """One pre-check decision per case and, for a routed case, one window notification (I3).
    The notifications follow the decision (the dispatcher runs after it): waited for first."""
    wait_for(lambda: _window_notes(case_ids) >= len(case_ids), 60, message="window notifications")
    session = Session()
    decisions = dict(
        session.execute(
            select(Event.application_id, func.count())
            .where(Event.actor_role == "system", Event.action.in_(["route", "request_correction"]))
            .group_by(Event.application_id)
        ).all()
    )
    window_notes = dict(
        session.execute(
            select(Notification.application_id, func.count())
            .where(
                Notification.recipient_type == WINDOW,
                Notification.kind == "case_arrived",
                Notification.channel == IN_APP,
            )
            .group_by(Notification.application_id)
        ).all()
    )
    failed = session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.failed_at.is_not(None))
    )
    Session.remove()
    assert {case_id: decisions.get(case_id) for case_id in case_ids} == dict.fromkeys(case_ids, 1)
    assert {case_id: window_notes.get(case_id) for case_id in case_ids} == dict.fromkeys(
        case_ids, 1
    )
    assert failed == 0


def _window_notes(case_ids: list[int]) -> int:
    count = Session().scalar(
        select(func.count()).where(
            Notification.application_id.in_(case_ids),
            Notification.recipient_type == WINDOW,
            Notification.kind == "case_arrived",
            Notification.channel == IN_APP,
        )
    )
    Session.remove()
    return count


def messages_settled() -> bool:
    """No notification waiting for the worker (a registration's code SMS, say): what a test that
    takes the broker down next must not leave in flight."""
    session = Session()
    waiting = session.scalar(
        select(func.count()).where(Notification.status.in_(["created", "sending"]),
                                   Notification.sent_at.is_(None))
    )  # fmt: skip
    Session.remove()
    return waiting == 0


def sweep_notifications(app) -> None:
    """What beat's notification sweep does: hand over every row whose time has come."""
    handed_over, _ = overdue()
    publish_grouped(
        publisher_for(app.extensions["celery"]),
        [(TaskNames.DELIVER_NOTIFICATIONS, notification_id) for notification_id in handed_over],
    )


def queue_length(celery_app, queue: str) -> int:
    with celery_app.connection_for_read() as connection, connection.channel() as channel:
        try:
            return channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # Redis: a queue that never held a message does not exist yet
            return 0


def relay_until_done(app, timeout: float) -> None:
    """Run the relay (what beat does every few seconds) until no case is left submitted."""
    settings = app.config["SETTINGS"]

    def done() -> bool:
        outbox.relay(
            Session(),
            publisher_for(app.extensions["celery"]),
            grace_seconds=settings.OUTBOX_GRACE_SECONDS,
            max_attempts=settings.OUTBOX_MAX_ATTEMPTS,
        )
        Session.remove()
        return count_left_submitted() == 0

    wait_for(done, timeout, interval=0.5, message="every case to leave submitted")

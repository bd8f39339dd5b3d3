"""The outbox on the real database and broker: rollback leaves nothing, the relay retries with a
count and ends in a terminal status, and a consumer never acts twice on one row."""

import pytest
import redis
from sqlalchemy import func, select

from api import bind_background_work
from config.queues import QueueNames, TaskNames
from tests.conftest import BACKEND
from tests.factories import register, run_dispatch, run_precheck, submit
from tests.reliability.helpers import queue_length
from workflow import outbox, transitions
from workflow.db import Session
from workflow.models import Alert, Application, OutboxMessage
from workflow.models._types import utcnow
from workflow.outbox_notes import NOTE_PREFIX, notes
from workflow.publisher import publisher


def _rows() -> list[OutboxMessage]:
    rows = list(Session().scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    Session.remove()
    return rows


def test_a_committed_submission_is_published_at_once(client, app):
    token, _ = register(client)
    assert submit(client, token).status_code == 201
    assert publisher.flush()
    assert queue_length(app.extensions["celery"], QueueNames.PRECHECK) == 1


def test_a_rolled_back_request_leaves_no_outbox_row_and_no_message(client, app, monkeypatch):
    token, _ = register(client)
    real_publish_after_commit = outbox.publish_after_commit

    def register_then_fail(session, task, outbox_id):
        # The case, its event and the outbox row are written by now, the commit is still ahead.
        real_publish_after_commit(session, task, outbox_id)
        raise RuntimeError("fault injected after the outbox row was added")

    monkeypatch.setattr(transitions.outbox, "publish_after_commit", register_then_fail)
    response = submit(client, token)
    assert response.status_code == 500 and response.json["code"] == 500
    assert "fault injected" not in response.get_data(as_text=True)
    assert _rows() == []
    assert Session().scalar(select(func.count()).select_from(Application)) == 0
    assert queue_length(app.extensions["celery"], QueueNames.PRECHECK) == 0


def _relay(publish, max_attempts=3):
    result = outbox.relay(Session(), publish, grace_seconds=0, max_attempts=max_attempts)
    Session.remove()
    return result


def test_the_relay_republishes_until_processed_and_then_leaves_the_row_alone(
    client, no_inline_publish
):
    token, _ = register(client)
    submit(client, token)
    published = []
    assert _relay(lambda task, ids: published.append((task, ids))) == {
        "republished": 1,
        "failed": 0,
    }
    [row] = _rows()
    assert published == [(TaskNames.PRECHECK_APPLICATIONS, [row.id])] and row.attempts == 1
    run_precheck()
    run_dispatch()  # the notices of the routing: the dispatcher's own outbox row
    assert _relay(lambda task, ids: published.append((task, ids))) == {
        "republished": 0,
        "failed": 0,
    }
    assert _rows()[0].processed_at is not None


def test_a_message_never_processed_ends_failed_after_the_last_attempt(client, no_inline_publish):
    token, _ = register(client)
    submit(client, token)
    for _ in range(3):
        assert _relay(lambda task, ids: None)["republished"] == 1
    assert _relay(lambda task, ids: None) == {"republished": 0, "failed": 1}
    [row] = _rows()
    assert row.failed_at is not None and row.attempts == 3 and "3 attempts" in row.last_error
    assert _relay(lambda task, ids: None) == {"republished": 0, "failed": 0}
    [alert] = Session().scalars(select(Alert).where(Alert.kind == "work_given_up")).all()
    assert alert.subject == str(row.id) and row.task in alert.message
    Session.remove()


def test_a_broker_that_is_down_costs_the_relay_no_attempts(client, no_inline_publish):
    token, _ = register(client)
    submit(client, token)

    def broker_down(task, ids):
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        _relay(broker_down)
    Session.remove()
    assert _rows()[0].attempts == 0


def test_rows_within_the_grace_period_are_left_to_the_fast_path(client, no_inline_publish):
    token, _ = register(client)
    submit(client, token)
    result = outbox.relay(Session(), lambda task, ids: None, grace_seconds=60, max_attempts=3)
    Session.remove()
    assert result == {"republished": 0, "failed": 0}


def test_claim_skips_rows_already_processed(client, no_inline_publish):
    token, _ = register(client)
    submit(client, token)
    [row] = _rows()
    session = Session()
    assert [m.id for m in outbox.claim(session, [row.id], TaskNames.PRECHECK_APPLICATIONS)] == [
        row.id
    ]
    outbox.mark_processed(session, outbox.claim(session, [row.id], TaskNames.PRECHECK_APPLICATIONS))
    session.commit()
    assert outbox.claim(session, [row.id], TaskNames.PRECHECK_APPLICATIONS) == []
    assert outbox.claim(session, [row.id], TaskNames.RELAY_OUTBOX) == []
    session.rollback()
    Session.remove()
    assert _rows()[0].processed_at <= utcnow()


# Notes of processed rows (workflow/outbox_notes.py): kept in the broker's Redis, so on the
# PostgreSQL runs only (the SQLite runs' broker is a database, and SQLite needs no look-up).
with_notes = pytest.mark.skipif(BACKEND != "postgres", reason="notes live in a Redis broker")
PRECHECK = TaskNames.PRECHECK_APPLICATIONS


def _counted_looks(monkeypatch, session) -> list:
    """Counts the lock-free looks at the database (each on a connection of its own)."""
    engine, looks = session.get_bind(), []
    real_connect = engine.connect

    def connect():
        looks.append(1)
        return real_connect()

    monkeypatch.setattr(engine, "connect", connect)
    return looks


def _processed_row(session) -> int:
    """A submission's outbox row, claimed and marked processed; not committed yet."""
    [row] = _rows()
    outbox.mark_processed(session, outbox.claim(session, [row.id], PRECHECK))
    return row.id


@with_notes
def test_a_duplicate_message_of_a_processed_row_is_answered_by_its_note(
    client, no_inline_publish, monkeypatch
):
    token, _ = register(client)
    submit(client, token)
    session = Session()
    outbox_id = _processed_row(session)
    assert not notes.all_noted([outbox_id])  # not before the commit
    session.commit()
    assert notes.all_noted([outbox_id])
    looks = _counted_looks(monkeypatch, session)
    assert outbox.claim(session, [outbox_id], PRECHECK) == []
    assert looks == []  # the database was not asked
    session.rollback()
    Session.remove()


@with_notes
def test_a_rolled_back_batch_notes_nothing(client, no_inline_publish):
    token, _ = register(client)
    submit(client, token)
    session = Session()
    outbox_id = _processed_row(session)
    session.rollback()
    Session.remove()
    assert not notes.all_noted([outbox_id])
    assert [m.id for m in outbox.claim(Session(), [outbox_id], PRECHECK)] == [outbox_id]
    Session().rollback()
    Session.remove()


@with_notes
def test_a_row_not_noted_is_looked_up_in_the_database(client, no_inline_publish, monkeypatch):
    token, _ = register(client)
    token_2, _ = register(client)
    submit(client, token)
    session = Session()
    outbox_id = _processed_row(session)
    session.commit()
    notes.forget_all()  # Redis restarted, or the note expired
    submit(client, token_2)
    waiting = _rows()[-1].id
    assert not notes.all_noted([outbox_id, waiting])
    looks = _counted_looks(monkeypatch, session)
    assert outbox.claim(session, [outbox_id], PRECHECK) == []
    assert looks == [1]  # the lock-free look found it processed
    assert [m.id for m in outbox.claim(session, [outbox_id, waiting], PRECHECK)] == [waiting]
    session.rollback()
    Session.remove()


@with_notes
def test_a_note_ends_before_the_relay_would_republish_its_row(client, app, no_inline_publish):
    token, _ = register(client)
    submit(client, token)
    settings = app.config["SETTINGS"]
    try:
        notes.bind(settings.CELERY_BROKER_URL, 30, settings.BROKER_TIMEOUT_SECONDS, 1.0)
        session = Session()
        outbox_id = _processed_row(session)
        session.commit()
        Session.remove()
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        ms_left = broker.pttl(f"{NOTE_PREFIX}{outbox_id}")
        broker.close()
        assert 9_000 < ms_left <= 10_000  # a third of a 30 s grace period
    finally:
        bind_background_work(app)  # the suite's own binding again


@with_notes
def test_with_redis_away_the_database_answers_alone(client, app, no_inline_publish, caplog):
    token, _ = register(client)
    submit(client, token)
    notes.bind("redis://127.0.0.1:1/0", 30, timeout=0.2, breaker_seconds=60)  # nothing listens
    try:
        session = Session()
        outbox_id = _processed_row(session)
        session.commit()  # the note cannot be written: the commit stands
        assert outbox.claim(session, [outbox_id], PRECHECK) == []  # the database says processed
        session.rollback()
        Session.remove()
    finally:
        bind_background_work(app)  # the suite's own binding again
    assert _rows()[0].processed_at is not None
    warnings = [r for r in caplog.records if "outbox notes unavailable" in r.getMessage()]
    assert len(warnings) == 1  # then the breaker keeps Redis out of the way


@with_notes
def test_rows_of_a_task_sent_one_per_message_are_not_noted(client, no_inline_publish):
    # A window's share of a fan-out is never taken along with a backlog, so no duplicate message
    # asks after it: a note would only cost its round trip.
    session = Session()
    outbox_id = outbox.enqueue(session, TaskNames.NOTIFY_WINDOW, {"window": "W01"})
    session.commit()
    outbox.mark_processed(session, outbox.claim(session, [outbox_id], TaskNames.NOTIFY_WINDOW))
    session.commit()
    Session.remove()
    assert _rows()[0].processed_at is not None
    assert not notes.all_noted([outbox_id])

"""The outbox on the real database and broker: rollback leaves nothing, the relay retries with a
count and ends in a terminal status, and a consumer never acts twice on one row."""

import pytest
from sqlalchemy import func, select

from config.queues import QueueNames, TaskNames
from tests.factories import register, run_dispatch, run_precheck, submit
from tests.reliability.helpers import queue_length
from workflow import outbox, transitions
from workflow.db import Session
from workflow.models import Alert, Application, OutboxMessage
from workflow.models._types import utcnow
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

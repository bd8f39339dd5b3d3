"""A case whose automatic step keeps failing fails alone: retried by itself, then parked for an
admin (needs_attention), while every other case flows on."""

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from config.queues import TaskNames
from tests.factories import act, add_applicants, add_documents, auth, staff, valid_form
from workflow import transitions
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Application, OutboxMessage
from workflow.services.precheck import Retries, precheck_cases
from workflow.services.submission import submit_application

NO_DELAY = Retries(attempts=3, delay_seconds=0)
POLICY = "household_registration"  # its rules read the form, so a broken form makes them raise


def submit_many(client, count: int) -> list[int]:
    form = valid_form(client.get(f"/api/v1/policies/{POLICY}").json)
    ids = []
    for applicant in add_applicants(count):
        ids.append(
            submit_application(Actor(applicant, Role.APPLICANT), POLICY, "W02", form).case.id
        )
        Session.remove()
    add_documents(ids)
    return ids


def break_form(case_id: int) -> None:
    """Stored data the check cannot read (a faulty import, say): the check raises on it."""
    session = Session()
    session.execute(update(Application).where(Application.id == case_id).values(form="garbled"))
    session.commit()
    Session.remove()


def waiting_outbox_ids() -> list[int]:
    """The pre-check's waiting messages (the notices of what it decided wait for the dispatcher)."""
    ids = list(
        Session().scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.processed_at.is_(None),
                OutboxMessage.task == TaskNames.PRECHECK_APPLICATIONS,
            )
        )
    )
    Session.remove()
    return ids


def statuses(ids: list[int]) -> dict[int, str]:
    rows = Session().execute(
        select(Application.id, Application.status).where(Application.id.in_(ids))
    )
    found = dict(rows.all())
    Session.remove()
    return found


def test_one_failing_case_among_many_fails_alone_and_is_parked(client):
    poison, *others = submit_many(client, 12)
    break_form(poison)
    first = precheck_cases(waiting_outbox_ids(), NO_DELAY)
    Session.remove()
    assert (first["routed"], first["failed"]) == (11, 1)
    assert set(statuses(others).values()) == {"at_window"}
    assert statuses([poison])[poison] == "submitted"
    for _ in range(NO_DELAY.attempts - 1):  # what the relay's republication leads to
        assert precheck_cases(waiting_outbox_ids(), NO_DELAY)["failed"] == 1
        Session.remove()
    assert statuses([poison])[poison] == "needs_attention"
    assert waiting_outbox_ids() == []  # nothing left to spin on

    admin = staff(client, "admin")
    stuck = client.get("/api/v1/admin/stuck-cases", headers=auth(admin)).json["items"]
    assert [(c["id"], c["last_failure"], c["automatic_failures"]) for c in stuck] == [
        (poison, "AttributeError", NO_DELAY.attempts)
    ]
    clerk = staff(client, "window_clerk", window="W02")
    assert client.get("/api/v1/admin/stuck-cases", headers=auth(clerk)).status_code == 403
    events = client.get(f"/api/v1/applications/{poison}/events", headers=auth(admin)).json
    assert events[-1]["action"] == "park"
    assert events[-1]["data"] == {
        "step": "applications.precheck", "error": "AttributeError", "attempts": 3,
    }  # fmt: skip

    # Repaired, then retried by the admin: the case goes through the check again.
    session = Session()
    session.get(Application, poison).form = session.get(Application, others[0]).form
    session.commit()
    Session.remove()
    retried = act(client, admin, poison, "retry")
    assert retried.status_code == 200 and retried.json["status"] == "submitted"
    assert precheck_cases(waiting_outbox_ids(), NO_DELAY)["routed"] == 1
    Session.remove()
    assert statuses([poison])[poison] == "at_window"
    assert client.get("/api/v1/admin/stuck-cases", headers=auth(admin)).json["items"] == []


def test_a_failed_case_waits_for_its_delay_before_it_is_taken_again(client):
    [poison] = submit_many(client, 1)
    break_form(poison)
    slow = Retries(attempts=3, delay_seconds=3600)
    assert precheck_cases(waiting_outbox_ids(), slow)["failed"] == 1
    Session.remove()
    # Held back: a redelivered message, or another consumer's backlog, does not take it now.
    again = precheck_cases(waiting_outbox_ids(), slow)
    Session.remove()
    assert again["failed"] == 0 and again["already_done"] == 1
    assert statuses([poison])[poison] == "submitted"


def test_actions_need_if_match(client):
    [case_id] = submit_many(client, 1)
    precheck_cases(waiting_outbox_ids(), NO_DELAY)
    Session.remove()
    clerk = staff(client, "window_clerk", window="W02")
    path = f"/api/v1/applications/{case_id}/actions"
    missing = client.post(path, headers=auth(clerk), json={"action": "accept"})
    assert missing.status_code == 428 and "If-Match" in missing.json["errors"]
    bad = client.post(path, headers={**auth(clerk), "If-Match": '"1a"'}, json={"action": "accept"})
    assert bad.status_code == 422 and "If-Match" in bad.json["errors"]
    # Not ASCII at all: refused at the edge like any such header (api/edge_input.py).
    wide = client.post(path, headers={**auth(clerk), "If-Match": '"１"'}, json={"action": "accept"})
    assert wide.status_code == 400 and "If-Match" in wide.json["errors"]


def test_a_batch_whose_commit_fails_is_retried_case_by_case(client, monkeypatch):
    poison, *others = submit_many(client, 5)
    real_write = transitions.write_pending

    def write_unless_poisoned(session):
        # A fault only this case's rows cause, found by the database when the batch is written.
        pending = session.info.get(transitions._PENDING)
        if pending and any(case.id == poison for case, _, _ in pending.events):
            raise IntegrityError("INSERT ...", {}, Exception("injected"))
        real_write(session)

    monkeypatch.setattr(transitions, "write_pending", write_unless_poisoned)
    result = precheck_cases(waiting_outbox_ids(), NO_DELAY)
    Session.remove()
    assert (result["routed"], result["failed"]) == (4, 1)
    assert set(statuses(others).values()) == {"at_window"}
    parked = Session().get(Application, poison)
    assert (parked.status, parked.automatic_failures, parked.last_failure) == (
        "submitted", 1, "IntegrityError",
    )  # fmt: skip
    Session.remove()

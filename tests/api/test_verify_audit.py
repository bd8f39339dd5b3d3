"""`flask --app api verify-audit`: every chain intact exits 0; the first broken link is named, with
exit code 1 (invariant I7)."""

import pytest
from sqlalchemy import delete, func, select, update

from tests.factories import auth, register, run_precheck, staff, submit_ready
from workflow.db import Session
from workflow.models import Application, Event, Notification
from workflow.services.audit_check import find_first_break


@pytest.fixture
def cases(client) -> list[tuple[int, str]]:
    """Three cases (id, reference) in id order, routed to W01; the middle one accepted by the
    clerk, so its chain is the longest."""
    built = []
    for _ in range(3):
        applicant, _ = register(client)
        response = submit_ready(client, applicant, "transport", "W01")
        built.append((response.json["id"], response.json["reference"]))
    assert run_precheck()["routed"] == 3
    clerk = staff(client, "window_clerk", window="W01")
    url = f"/api/v1/applications/{built[1][0]}"
    etag = client.get(url, headers=auth(clerk)).headers["ETag"]
    accepted = client.post(
        f"{url}/actions", headers={**auth(clerk), "If-Match": etag}, json={"action": "accept"}
    )
    assert accepted.status_code == 200, accepted.json
    assert _last_seq(built[1][0]) >= 3
    return built


def _last_seq(case_id: int) -> int:
    last = Session().scalar(select(func.max(Event.seq)).where(Event.application_id == case_id))
    Session.remove()
    return last


def _tamper(statement) -> None:
    session = Session()
    session.execute(statement)
    session.commit()
    Session.remove()


def _delete_events(case_id: int, seqs: list[int]) -> None:
    """Delete events the way someone covering their tracks would: their notifications first."""
    ids = select(Event.id).where(Event.application_id == case_id, Event.seq.in_(seqs))
    _tamper(delete(Notification).where(Notification.event_id.in_(ids)))
    _tamper(delete(Event).where(Event.application_id == case_id, Event.seq.in_(seqs)))


def _event(case_id: int, seq: int):
    return (Event.application_id == case_id) & (Event.seq == seq)


def _verify(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


def test_an_intact_database_exits_0(app, cases):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "verified 3 cases, every chain intact"


def test_an_empty_database_is_intact(app, client):
    result = _verify(app)
    assert result.exit_code == 0 and "verified 0 cases" in result.output


def _assert_broken(app, reference: str, seq: int, what: str) -> None:
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"broken: case {reference}, event seq {seq}: {what} ("), (
        result.output
    )


def test_an_edited_comment_is_named(app, cases):
    case_id, reference = cases[1]
    _tamper(update(Event).where(_event(case_id, 3)).values(comment="材料齐全（后补）"))
    _assert_broken(app, reference, 3, "edited")


def test_edited_data_is_named(app, cases):
    case_id, reference = cases[2]
    _tamper(update(Event).where(_event(case_id, 2)).values(data={"window": "W02"}))
    _assert_broken(app, reference, 2, "edited")


def test_a_deleted_middle_event_is_named(app, cases):
    case_id, reference = cases[1]
    _delete_events(case_id, [2])
    _assert_broken(app, reference, 2, "missing")


def test_dropping_the_newest_events_is_named(app, cases):
    case_id, reference = cases[1]
    last = _last_seq(case_id)
    _delete_events(case_id, [last - 1, last])
    _assert_broken(app, reference, last - 1, "truncated")


def test_dropping_the_newest_event_is_named(app, cases):
    case_id, reference = cases[2]
    last = _last_seq(case_id)
    _delete_events(case_id, [last])
    _assert_broken(app, reference, last, "truncated")


def test_a_case_stripped_of_every_event_is_named(app, cases):
    case_id, reference = cases[0]
    _delete_events(case_id, list(range(1, _last_seq(case_id) + 1)))
    _assert_broken(app, reference, 1, "truncated")


def test_a_changed_chain_head_is_named(app, cases):
    case_id, reference = cases[1]
    _tamper(update(Application).where(Application.id == case_id).values(last_event_hash="f" * 64))
    _assert_broken(app, reference, _last_seq(case_id), "head altered")


def test_the_first_broken_case_by_id_is_named(app, cases):
    for case_id, _ in cases[1:]:
        _tamper(update(Event).where(_event(case_id, 1)).values(comment="x"))
    _assert_broken(app, cases[1][1], 1, "edited")


def test_the_walk_crosses_batches(app, cases):
    Session.remove()
    assert find_first_break(batch_size=2).cases_checked == 3
    case_id, reference = cases[2]
    _tamper(update(Event).where(_event(case_id, 1)).values(actor_role="window_clerk"))
    check = find_first_break(batch_size=2)
    assert check.cases_checked == 3
    assert (check.first_break.reference, check.first_break.seq) == (reference, 1)

"""The per-case hash chain detects edits, deletions and truncation (I7), and verifies whatever time
zone its timestamps are read in."""

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session as OrmSession

from tests.conftest import BACKEND
from tests.factories import register, run_precheck, submit_ready
from workflow.actors import SYSTEM, Actor
from workflow.audit import (
    ERASABLE,
    GENESIS,
    HASHED_COLUMNS,
    Break,
    Problem,
    _digest,
    event_values,
    first_break,
    redact,
)
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Application, Event
from workflow.models._types import UTCDateTime
from workflow.repositories import applications
from workflow.services.audit_check import AuditCheck, find_first_break

BEIJING = ZoneInfo("Asia/Shanghai")
REFERENCE = "YH-20261126-TESTCASE"
postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="a PostgreSQL session zone")


def _chain(length=4):
    case = Application(id=7, reference=REFERENCE, status="submitted", version=0)
    clerk = Actor(user_id=3, role=Role.WINDOW_CLERK, window_code="W01")
    events = []
    for index in range(length):
        case.version += 1
        actor = clerk if index % 2 else SYSTEM
        events.append(Event(**event_values(case, f"step{index}", "submitted", actor)))
    return case, events


def test_an_untouched_chain_verifies():
    case, events = _chain()
    assert first_break(case, events) is None


def test_an_edited_event_is_detected():
    case, events = _chain()
    events[1].comment = "changed afterwards"
    assert first_break(case, events) == Break(REFERENCE, 2, Problem.EDITED)


def test_a_deleted_event_is_detected():
    case, events = _chain()
    del events[2]
    assert first_break(case, events) == Break(REFERENCE, 3, Problem.MISSING)


def test_dropping_the_newest_events_is_detected():
    case, events = _chain()
    assert first_break(case, events[:-1]) == Break(REFERENCE, 4, Problem.TRUNCATED)
    assert first_break(case, events[:-2]) == Break(REFERENCE, 3, Problem.TRUNCATED)


def test_a_changed_head_is_detected():
    case, events = _chain()
    case.last_event_hash = events[2].hash
    assert first_break(case, events) == Break(REFERENCE, 4, Problem.HEAD_ALTERED)


def test_an_event_rewritten_with_a_fresh_hash_breaks_the_next_link():
    case, events = _chain()
    events[1].comment = "changed afterwards"
    # Whoever knows the format can re-hash the event itself, but not the one that follows it.
    values = {c: getattr(events[1], c) for c in HASHED_COLUMNS}
    events[1].hash = _digest(values, REFERENCE, events[1].salts)
    assert first_break(case, events) == Break(REFERENCE, 3, Problem.OUT_OF_ORDER)
    assert str(first_break(case, events)).startswith(f"case {REFERENCE}, event seq 3: out of order")


def test_on_behalf_of_is_stored_and_hashed():
    case = Application(reference=REFERENCE, status="submitted", version=1)
    clerk = Actor(user_id=3, role=Role.WINDOW_CLERK, window_code="W01")
    event = Event(**event_values(case, "submit", None, clerk, on_behalf_of=11))
    assert event.on_behalf_of == 11 and first_break(case, [event]) is None
    event.on_behalf_of = 12
    assert first_break(case, [event]) == Break(REFERENCE, 1, Problem.EDITED)


def _erasable_chain():
    """A submission by the applicant, with a form, then a clerk's comment made for them."""
    case = Application(reference=REFERENCE, status=None, version=1)
    applicant = Actor(user_id=41, role=Role.APPLICANT, window_code=None)
    clerk = Actor(user_id=3, role=Role.WINDOW_CLERK, window_code="W01")
    form = {"spouse_name": "王芳", "talent_tier": "B"}
    first = Event(**event_values(case, "submit", None, applicant, data={"form": form}))
    case.version = 2
    second = Event(
        **event_values(
            case, "resubmit", "submitted", clerk, comment="电话 13900000001 已核实",
            data={"form": form, "window": "W01"}, on_behalf_of=41,
        )
    )  # fmt: skip
    return case, [first, second]


def test_erased_parts_leave_a_chain_that_still_verifies():
    case, events = _erasable_chain()
    redact(events[0], ERASABLE)
    redact(events[1], [name for name in ERASABLE if name != "actor_id"])
    assert first_break(case, events) is None
    assert events[0].actor_id is None and events[0].data == {} and events[0].salts is None
    assert (events[1].actor_id, events[1].comment, events[1].on_behalf_of) == (3, None, None)
    assert events[1].data == {"window": "W01"}
    assert sorted(events[1].redacted) == ["comment", "data.form", "on_behalf_of"]


def test_an_erased_digest_cannot_be_guessed_back_from_the_value():
    case, events = _erasable_chain()
    redact(events[0], ["actor_id"])
    plain = hashlib.sha256(b"41").hexdigest()
    assert events[0].redacted["actor_id"] not in (plain, hashlib.sha256(b'"41"').hexdigest())


def test_a_part_rewritten_beside_its_kept_digest_is_an_edit():
    case, events = _erasable_chain()
    redact(events[1], ["comment"])
    events[1].comment = "forged"  # the digest in redacted still matches the hash
    assert first_break(case, events) == Break(REFERENCE, 2, Problem.EDITED)


def test_what_erasure_keeps_is_still_covered():
    case, events = _erasable_chain()
    redact(events[1], ["comment", "data.form"])
    events[1].data = {"window": "W02"}
    assert first_break(case, events) == Break(REFERENCE, 2, Problem.EDITED)
    case, events = _erasable_chain()
    events[0].salts = None  # a value whose salt is gone no longer matches
    assert first_break(case, events) == Break(REFERENCE, 1, Problem.EDITED)


# The text stored chains are hashed from: the UTC isoformat() of the event's time, and the actor
# by the SHA-256 of its salt (32 zeros here) and its value.
_SALT = "0" * 32
_STORED_CANONICAL = (
    '{"action":"submit",'
    '"actor_id":"ebfcf8d199567d727a7ed18b31459a2e8f4be8a656a0a2e7446756cf25edb29c",'
    '"actor_role":"applicant","at":"2026-11-27T01:02:03.123456+00:00",'
    '"case":"YH-20261127-GOLDEN","comment":null,"data":{},"from":null,"on_behalf_of":null,'
    '"prev":"' + GENESIS + '","seq":1,"to":"submitted"}'
)


@pytest.mark.parametrize(
    "created_at",
    [
        datetime(2026, 11, 27, 1, 2, 3, 123456, tzinfo=UTC),
        datetime(2026, 11, 27, 9, 2, 3, 123456, tzinfo=BEIJING),
        datetime(2026, 11, 27, 1, 2, 3, 123456),  # naive, as SQLite keeps it: UTC
    ],
    ids=["utc", "beijing", "naive"],
)
def test_a_stored_chain_verifies_whatever_zone_its_time_is_read_in(created_at):
    stored_hash = hashlib.sha256(_STORED_CANONICAL.encode()).hexdigest()
    case = Application(reference="YH-20261127-GOLDEN", version=1, last_event_hash=stored_hash)
    event = Event(
        seq=1, action="submit", from_status=None, to_status="submitted", actor_id=5,
        actor_role="applicant", on_behalf_of=None, comment=None, data={},
        created_at=created_at, prev_hash=GENESIS, hash=stored_hash, salts={"actor_id": _SALT},
    )  # fmt: skip
    assert first_break(case, [event]) is None


def test_a_timestamp_read_in_another_zone_comes_back_in_utc():
    column = UTCDateTime()
    read = column.process_result_value(datetime(2026, 11, 27, 9, 2, 3, tzinfo=BEIJING), None)
    assert read == datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC) and read.tzinfo is UTC
    naive = column.process_result_value(datetime(2026, 11, 27, 1, 2, 3), None)
    assert naive == read and naive.tzinfo is UTC


@pytest.fixture
def beijing_process_time():
    """The process's own local time zone set to Beijing time."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def _routed_case(client) -> int:
    applicant, _ = register(client)
    case_id = submit_ready(client, applicant).json["id"]
    run_precheck()
    return case_id


def test_a_naive_time_is_hashed_as_utc_not_local_time(beijing_process_time):
    assert time.localtime(0).tm_hour == 8
    case, events = _chain(1)
    events[0].created_at = events[0].created_at.replace(tzinfo=None)
    assert first_break(case, events) is None


def test_chains_verify_with_the_process_in_beijing_time(client, beijing_process_time):
    case_id = _routed_case(client)
    session = Session()
    events = applications.list_events(session, case_id)
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert events[-1].action == "route"
    assert first_break(session.get(Application, case_id), events) is None
    Session.remove()
    assert find_first_break() == AuditCheck(1, None)


@postgres_only
def test_a_chain_read_by_a_session_set_to_beijing_time_verifies(client):
    case_id = _routed_case(client)
    Session.remove()
    session = Session()
    try:
        session.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        raw = session.scalar(text("SELECT created_at FROM events ORDER BY id LIMIT 1"))
        assert raw.utcoffset() == timedelta(hours=8)  # the database does answer in Beijing time
        events = applications.list_events(session, case_id)
        assert events[0].created_at.utcoffset() == timedelta(0)
        assert first_break(session.get(Application, case_id), events) is None
    finally:
        session.rollback()  # undoes the SET: the pooled connection goes back as it was
        Session.remove()


@postgres_only
def test_every_chain_verifies_on_a_connection_configured_for_beijing_time(client, database):
    _routed_case(client)
    _routed_case(client)
    engine = create_engine(database, connect_args={"options": "-c timezone=Asia/Shanghai"})
    with OrmSession(engine) as session:
        assert session.scalar(text("SHOW timezone")) == "Asia/Shanghai"
        raw = session.scalar(text("SELECT created_at FROM events ORDER BY id LIMIT 1"))
        assert raw.utcoffset() == timedelta(hours=8)
        for case in session.scalars(select(Application)):
            assert first_break(case, applications.list_events(session, case.id)) is None
    saved = Session.session_factory.kw["bind"]
    Session.remove()
    Session.configure(bind=engine)
    try:
        assert find_first_break() == AuditCheck(2, None)
    finally:
        Session.remove()
        Session.configure(bind=saved)
        engine.dispose()

"""The real worker process: it routes what the API submits, and survives being killed."""

from functools import partial

import pytest
from sqlalchemy import update

from tests.factories import (
    add_applicants,
    add_documents,
    register,
    submit_ready,
    valid_form,
)
from tests.processes import wait_for
from tests.reliability.helpers import (
    assert_each_case_prechecked_exactly_once,
    count_left_submitted,
    relay_until_done,
    statuses,
)
from workflow import outbox
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Application
from workflow.publisher import publisher, publisher_for
from workflow.services.submission import submit_application


def test_a_submitted_case_is_routed_by_the_worker(client, worker):
    token, _ = register(client)
    case_id = submit_ready(client, token, "transport", "W09").json["id"]
    wait_for(lambda: statuses()[case_id] == "at_window", 30, message="the case to be routed")
    assert_each_case_prechecked_exactly_once([case_id])


def test_worker_killed_mid_batch_routes_every_case_exactly_once(client, app, worker):
    worker.stop()  # queue the whole batch first, so the kill lands in the middle of it
    policies = client.get("/api/v1/policies").json
    forms = {policy["code"]: valid_form(policy) for policy in policies}
    # Each applicant applies once per policy, so every case passes the pre-check and is routed.
    applicants = add_applicants(80)
    case_ids = []
    for index in range(len(applicants) * len(policies)):
        policy = policies[index % len(policies)]["code"]
        applicant = Actor(applicants[index // len(policies)], Role.APPLICANT)
        window = f"W{index % 23 + 1:02d}"
        case_ids.append(submit_application(applicant, policy, window, forms[policy]).case.id)
        Session.remove()
    add_documents(case_ids)
    assert publisher.flush()
    worker.start()
    total = len(case_ids)
    wait_for(lambda: count_left_submitted() < total, 60, interval=0.005, message="progress")
    worker.kill()
    left = count_left_submitted()
    assert 0 < left < total, "the kill should land in the middle of the batch"
    worker.start()
    relay_until_done(app, timeout=120)
    assert_each_case_prechecked_exactly_once(case_ids)


def test_a_case_that_keeps_failing_does_not_hold_up_the_others(client, app, worker):
    """The poison case goes first and is taken in the same batches as the others."""
    worker.stop()
    policy = client.get("/api/v1/policies/household_registration").json
    applicants = add_applicants(25)
    submit_one = partial(submit_application, policy_code=policy["code"], form=valid_form(policy))
    poison = submit_one(Actor(applicants[0], Role.APPLICANT), window_code="W05").case.id
    Session.remove()
    session = Session()
    session.execute(update(Application).where(Application.id == poison).values(form="garbled"))
    session.commit()
    Session.remove()
    others = []
    for index, applicant in enumerate(applicants[1:]):
        window = f"W{index % 23 + 1:02d}"
        others.append(submit_one(Actor(applicant, Role.APPLICANT), window_code=window).case.id)
        Session.remove()
    add_documents(others)
    assert publisher.flush()
    worker.start()
    settings = app.config["SETTINGS"]

    def settled() -> bool:
        outbox.relay(  # what beat does every few seconds
            Session(),
            publisher_for(app.extensions["celery"]),
            grace_seconds=settings.OUTBOX_GRACE_SECONDS,
            max_attempts=settings.OUTBOX_MAX_ATTEMPTS,
        )
        Session.remove()
        now = statuses()
        return now[poison] == "needs_attention" and all(now[i] == "at_window" for i in others)

    wait_for(settled, 60, interval=0.3, message="the others routed and the poison case parked")
    parked = Session().get(Application, poison)
    assert (parked.automatic_failures, parked.last_failure) == (
        settings.AUTOMATIC_STEP_ATTEMPTS, "AttributeError",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_sessions():
    yield
    Session.remove()

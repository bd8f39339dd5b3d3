"""The worker's automatic pre-check: route a submitted case to its window, or send it back with
every problem listed at once (一次性告知).

Works on a batch of outbox messages in one transaction, with set-based reads, so under load the
per-case cost stays below the broker's own per-message cost.
"""

import logging
from collections import Counter
from dataclasses import dataclass

from config import LOCAL_TIMEZONE
from config.queues import TaskNames
from workflow import outbox
from workflow.actors import SYSTEM
from workflow.conditions import case_problems
from workflow.db import Session
from workflow.lifecycle import Action
from workflow.models import Application
from workflow.models._types import utcnow
from workflow.policies import case_terms, policy_terms
from workflow.repositories import applications, documents, reference
from workflow.transitions import apply

log = logging.getLogger(__name__)
_TASK = TaskNames.PRECHECK_APPLICATIONS
# At most this many cases in one transaction (the message's own plus the waiting backlog).
BACKLOG_BATCH = 50


@dataclass(frozen=True)
class Retries:
    """How often a case's pre-check may fail before the case is parked for an admin, and the
    delay before the first retry (doubled at each further one, up to `max_delay_seconds`)."""

    attempts: int = 5
    delay_seconds: float = 2.0
    max_delay_seconds: float = 300.0

    def delay(self, failures: int) -> float:
        return min(self.delay_seconds * 2 ** (failures - 1), self.max_delay_seconds)


def precheck_cases(outbox_ids: list[int], retries: Retries = Retries()) -> dict:
    """Returns counts of what happened; safe to run any number of times for the same ids.

    A case whose check raises fails alone: it is retried later by itself, then parked
    (needs_attention), while the others in the batch go on. Should the batch's own commit fail,
    each case is tried again in a transaction of its own, so the one at fault is found.
    """

    def batch(ids: list[int], take_backlog: bool, claimed: list[int]) -> dict:
        return _precheck_batch(ids, retries, take_backlog, claimed)

    def failed_alone(ids: list[int], error: Exception) -> dict:
        _record_failure_alone(ids, error, retries)
        return {"routed": 0, "returned": 0, "failed": 1, "already_done": 0}

    return outbox.consume(outbox_ids, batch, failed_alone)


def _precheck_batch(
    outbox_ids: list[int], retries: Retries, take_backlog: bool, claimed: list[int]
) -> dict:
    session = Session()
    messages = outbox.claim(session, outbox_ids, _TASK)
    if not messages:
        return {"routed": 0, "returned": 0, "failed": 0, "already_done": len(outbox_ids)}
    # Under load, take the waiting backlog along: one transaction then serves many cases, and the
    # messages of the cases taken here find their rows done and cost next to nothing.
    if take_backlog:
        messages += outbox.claim_backlog(session, _TASK, BACKLOG_BATCH - len(messages), messages)
    claimed.extend(message.id for message in messages)  # what to try one by one should it fail
    cases = applications.lock_submitted(
        session, [message.payload["application_id"] for message in messages]
    )
    policies = {code: policy_terms(session, code) for code in {case.policy_code for case in cases}}
    applicants = reference.get_users(session, {case.applicant_id for case in cases})
    earliest = applications.earliest_open_cases(
        session, {(case.applicant_id, case.policy_code) for case in cases}
    )
    provided = documents.provided_codes(session, [case.id for case in cases])
    today = utcnow().astimezone(LOCAL_TIMEZONE).date()
    counts = Counter(routed=0, returned=0, failed=0)
    failed: set[int] = set()
    for case in cases:
        try:
            one_open_only = not policies[case.policy_code].allows_multiple_open
            problems = case_problems(
                case,
                case_terms(session, case),
                applicants[case.applicant_id],
                today,
                provided.get(case.id, set()),
                earliest.get((case.applicant_id, case.policy_code)) if one_open_only else None,
            )
        except Exception as error:  # this case's own failure: the others go on
            failed.add(case.id)
            counts["failed"] += 1
            _record_failure(session, case, _message_of(messages, case.id), error, retries)
            continue
        if problems:
            case.correction_items = problems
            apply(session, case, Action.REQUEST_CORRECTION, SYSTEM, data={"items": problems})
            counts["returned"] += 1
        else:
            apply(session, case, Action.ROUTE, SYSTEM, data={"window": case.window_code})
            counts["routed"] += 1
    outbox.mark_processed(
        session, [m for m in messages if m.payload["application_id"] not in failed]
    )
    session.commit()
    log.info(
        "precheck: %d routed, %d returned for correction, %d failed",
        counts["routed"], counts["returned"], counts["failed"],
    )  # fmt: skip
    return {**counts, "already_done": len(messages) - len(cases)}


def _message_of(messages: list[outbox.Claimed], case_id: int) -> outbox.Claimed:
    return next(m for m in messages if m.payload["application_id"] == case_id)


def _record_failure(
    session, case: Application, message: outbox.Claimed, error: Exception, retries: Retries
) -> None:
    """Count the failure on the case; retry it later, or park it once out of attempts. Only the
    error's class is kept: its text may quote personal data."""
    name = type(error).__name__
    case.automatic_failures += 1
    case.last_failure = name
    log.warning(
        "precheck: case %s failed (%s), attempt %d of %d",
        case.id, name, case.automatic_failures, retries.attempts,
    )  # fmt: skip
    if case.automatic_failures < retries.attempts:
        outbox.retry_later(session, message.id, retries.delay(case.automatic_failures), name)
        return
    data = {"step": _TASK, "error": name, "attempts": case.automatic_failures}
    apply(session, case, Action.PARK, SYSTEM, data=data)
    outbox.mark_processed(session, [message])


def _record_failure_alone(outbox_ids: list[int], error: Exception, retries: Retries) -> None:
    """The case's own transaction failed: count it in a new one."""
    session = Session()
    [message] = outbox.claim(session, outbox_ids[:1], _TASK) or [None]
    if message is None:
        session.rollback()
        return
    [case] = applications.lock_submitted(session, [message.payload["application_id"]]) or [None]
    if case is None:
        outbox.mark_processed(session, [message])
    else:
        _record_failure(session, case, message, error, retries)
    session.commit()

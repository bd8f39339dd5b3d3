"""The worker's automatic pre-check: route a submitted case to its window, or send it back with
every problem listed at once (一次性告知).

Works on a batch of outbox messages in one transaction, with set-based reads, so under load the
per-case cost stays below the broker's own per-message cost.
"""

import logging

from config import LOCAL_TIMEZONE
from config.queues import TaskNames
from workflow import outbox
from workflow.actors import SYSTEM
from workflow.audit import insert_events
from workflow.cases import move
from workflow.db import Session
from workflow.eligibility import failed_rules
from workflow.identity import age_on, normalise_id_number
from workflow.lifecycle import Action
from workflow.models import Application, User
from workflow.models._types import utcnow
from workflow.notices import insert_notifications, notification_values
from workflow.policies import PolicyTerms, policy_terms
from workflow.repositories import applications, reference

log = logging.getLogger(__name__)
# At most this many cases in one transaction (the message's own plus the waiting backlog).
BACKLOG_BATCH = 50


def precheck_cases(outbox_ids: list[int]) -> dict:
    """Returns counts of what happened; safe to run any number of times for the same ids."""
    session = Session()
    messages = outbox.claim(session, outbox_ids, TaskNames.PRECHECK_APPLICATIONS)
    if not messages:
        return {"routed": 0, "returned": 0, "already_done": len(outbox_ids)}
    # Under load, take the waiting backlog along: one transaction then serves many cases, and the
    # messages of the cases taken here find their rows done and cost next to nothing.
    messages += outbox.claim_backlog(
        session, TaskNames.PRECHECK_APPLICATIONS, BACKLOG_BATCH - len(messages), messages
    )
    cases = applications.lock_submitted(
        session, [message.payload["application_id"] for message in messages]
    )
    policies = {code: policy_terms(session, code) for code in {case.policy_code for case in cases}}
    applicants = reference.get_users(session, {case.applicant_id for case in cases})
    earliest = applications.earliest_open_cases(
        session, {(case.applicant_id, case.policy_code) for case in cases}
    )
    today = utcnow().astimezone(LOCAL_TIMEZONE).date()
    routed = returned = 0
    events, notices = [], []
    for case in cases:
        problems = _problems(
            case, policies[case.policy_code], applicants[case.applicant_id], earliest, today
        )
        if problems:
            case.correction_items = problems
            action, data = Action.REQUEST_CORRECTION, {"items": problems}
            returned += 1
        else:
            action, data = Action.ROUTE, {"window": case.window_code}
            routed += 1
        events.append({**move(case, action, SYSTEM, data=data), "application_id": case.id})
        notices.append(notification_values(case, action))
    # The cases' updates go through the unit of work (one executemany); the events and the
    # notifications, new rows nobody here reads again, in one INSERT each.
    event_ids = insert_events(session, events)
    insert_notifications(
        session,
        [
            {**row, "event_id": event_id}
            for event_id, rows in zip(event_ids, notices, strict=True)
            for row in rows
        ],
    )
    outbox.mark_processed(session, messages)
    session.commit()
    log.info("precheck: %d routed, %d returned for correction", routed, returned)
    return {"routed": routed, "returned": returned, "already_done": len(messages) - len(cases)}


def _item(code: str, field: str, message_zh: str, message_en: str) -> dict:
    return {"code": code, "field": field, "message_zh": message_zh, "message_en": message_en}


def _problems(
    case: Application, policy: PolicyTerms, applicant: User, earliest, today
) -> list[dict]:
    problems = []
    id_number = normalise_id_number(applicant.id_number or "")
    if id_number is None:
        problems.append(
            _item(
                "id_number_invalid",
                "applicant.id_number",
                "申请人身份证号码无效（长度、出生日期或校验位不符）",
                "The applicant's identity number is not valid (length, birth date or check digit).",
            )
        )
    # The earliest open case wins, so two cases checked at once cannot both be sent back.
    first_id, first_reference = earliest.get((case.applicant_id, case.policy_code), (case.id, ""))
    if first_id < case.id and not policy.allows_multiple_open:
        problems.append(
            _item(
                "open_case_exists",
                "policy_code",
                f"您已有一件同类申报正在办理（{first_reference}）",
                f"You already have an open application for this policy ({first_reference}).",
            )
        )
    facts = {"age": age_on(id_number, today) if id_number else None}
    problems.extend(failed_rules(policy.eligibility_rules, case.form, facts))
    return problems

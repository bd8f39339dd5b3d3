"""The dispatcher: a transition's notices become notification rows, one per recipient and
channel, by the rule table and the templates.

A request's transition writes one outbox row naming its events and their notices
(workflow/transitions.py); in the worker, a transition's rows are written at once by write_now,
in its own transaction, from the events and cases it holds. The dispatcher claims an outbox row,
and in one transaction writes the rows and marks it processed:
a message delivered twice finds it processed, and the unique (event, recipient, channel) key is
the backstop (I3). In-app rows are delivered as they are written; the others start `created`
and are handed to the delivery workers after the commit (workflow/notifications/delivery.py).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session as OrmSession

from config.queues import TaskNames
from workflow import outbox
from workflow.db import Session
from workflow.lifecycle import (
    APPLICANT,
    ASSIGNEE,
    DEPARTMENT,
    HEADS,
    TALENT_OFFICE,
    WINDOW,
    Role,
)  # fmt: skip
from workflow.models import Application, Event, Notification, NotificationRule, Policy, User
from workflow.models import Window as WindowRow
from workflow.models._types import utcnow
from workflow.notifications import (
    CREATED,
    DELIVERED,
    DEPARTMENT_BOX,
    EMAIL,
    IN_APP,
    SMS,
    USER,
    WEBHOOK,
    WINDOW_BOX,
)  # fmt: skip
from workflow.notifications import templates as wording

log = logging.getLogger(__name__)
_TASK = TaskNames.DISPATCH_NOTIFICATIONS
_NOTIFICATIONS = Notification.__table__
_INSERT = insert(_NOTIFICATIONS)
_INSERT_RETURNING = insert(_NOTIFICATIONS).returning(
    _NOTIFICATIONS.c.id, sort_by_parameter_order=True
)
# A row no worker has taken after this long is handed over again by the sweep.
FIRST_ATTEMPT_GRACE = timedelta(seconds=60)
# At most this many transactions' notices in one go (the message's own plus the waiting ones).
BACKLOG_BATCH = 20
# A message whose notices failed to be written is tried again after this long.
RETRY_SECONDS = 60.0


def dispatch_notices(outbox_ids: list[int]) -> dict:
    """Write the notification rows of these outbox messages; safe to run twice for the same ids.
    Returns counts per channel.

    A batch that fails is taken again message by message (outbox.consume), so one transition
    whose notices cannot be written (a template that no longer renders, say) holds back no
    other: it is tried again after RETRY_SECONDS, until the relay gives it up for good.
    """
    return outbox.consume(outbox_ids, _dispatch_batch, _retry_alone)


def _dispatch_batch(outbox_ids: list[int], take_backlog: bool, claimed: list[int]) -> dict:
    session = Session()
    messages = outbox.claim(session, outbox_ids, _TASK)
    if not messages:
        session.rollback()
        return {}
    # Under load, take the waiting ones along, as the pre-check does: their own messages then
    # find nothing to do.
    if take_backlog:
        messages += outbox.claim_backlog(session, _TASK, BACKLOG_BATCH - len(messages), messages)
    claimed.extend(message.id for message in messages)
    told = [(event_id, notices) for m in messages for event_id, notices in m.payload["events"]]
    rows = _rows(session, told)
    _write(session, rows)
    outbox.mark_processed(session, messages)
    session.commit()
    return _counts(rows)


def _retry_alone(outbox_ids: list[int], error: Exception) -> dict:
    """A message that failed by itself: held back for RETRY_SECONDS, in a new transaction. Only
    the error's class is kept: its text may quote the notices' words."""
    name = type(error).__name__
    session = Session()
    for message in outbox.claim(session, outbox_ids[:1], _TASK):
        log.warning("dispatch: outbox message %s failed (%s)", message.id, name)
        outbox.retry_later(session, message.id, RETRY_SECONDS, name)
    session.commit()
    return {}


@dataclass
class _Context:
    """What one batch reads once: the events and their cases, the rules, the templates, the
    policies' names, the people to reach and the windows with a webhook."""

    events: dict[int, Event]
    cases: dict[int, Application]
    rules: dict[tuple[str, str], list[str]]
    words: dict
    policy_names: dict[str, tuple[str, str]]
    people: list[User] = field(default_factory=list)
    webhooks: set[str] = field(default_factory=set)


def write_now(session: OrmSession, told: list[tuple[int, list]], events: dict, cases: dict) -> dict:
    """The rows of these notices, written in the caller's transaction from the events and cases
    it holds (a worker's own transitions: no outbox row, no second transaction). Counts per
    channel, as dispatch_notices returns them."""
    rows = _rows(session, told, events, cases)
    _write(session, rows)
    return _counts(rows)


def _write(session: OrmSession, rows: list[dict]) -> None:
    in_app = [row for row in rows if row["channel"] == IN_APP]
    outgoing = [row for row in rows if row["channel"] != IN_APP]
    connection = session.connection()
    if in_app:
        connection.execute(_INSERT, in_app)
    if outgoing:
        for notification_id in connection.execute(_INSERT_RETURNING, outgoing).scalars():
            outbox.publish_after_commit(session, TaskNames.DELIVER_NOTIFICATIONS, notification_id)


def _counts(rows: list[dict]) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["channel"]] += 1
    return dict(counts)


def _rows(session: OrmSession, told: list[tuple[int, list]], events=None, cases=None) -> list[dict]:
    context = _context(session, told, events, cases)
    now = utcnow()
    rows, seen = [], set()
    for event_id, notices in told:
        event = context.events.get(event_id)
        if event is None:  # rolled back with its transition: nothing happened to tell of
            continue
        case = context.cases[event.application_id]
        for recipient, kind in notices:
            for channel in context.rules.get((kind, recipient), ()):
                for box, address, language in _addresses(context, case, event, recipient, channel):
                    key = (event_id, box, address, channel)  # the table's unique key, per event
                    if key in seen:
                        continue
                    seen.add(key)
                    rendered = _render(context, kind, language, case, event)
                    rows.append(
                        {
                            "source": f"event:{event_id}",
                            "event_id": event_id,
                            "application_id": case.id,
                            "recipient_type": box,
                            "recipient": address,
                            "channel": channel,
                            "kind": kind,
                            "status": DELIVERED if channel == IN_APP else CREATED,
                            "body": _body(case, event, rendered, language, recipient),
                            "created_at": now,
                            "attempts": 0,
                            "next_attempt_at": None if channel == IN_APP
                            else now + FIRST_ATTEMPT_GRACE,
                        }
                    )  # fmt: skip
    return rows


def _context(session: OrmSession, told: list[tuple[int, list]], events, cases) -> _Context:
    if events is None:
        events = {
            event.id: event
            for event in session.scalars(select(Event).where(Event.id.in_([e for e, _ in told])))
        }
    if cases is None:
        cases = {
            case.id: case
            for case in session.scalars(
                select(Application).where(
                    Application.id.in_({event.application_id for event in events.values()})
                )
            )
        }
    rules: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule in session.scalars(select(NotificationRule).where(NotificationRule.active)):
        rules[(rule.kind, rule.recipient)].append(rule.channel)
    kinds = {kind for _, notices in told for _, kind in notices}
    words = wording.latest(session, kinds)
    policy_names = {
        code: (zh, en)
        for code, zh, en in session.execute(
            select(Policy.code, Policy.name_zh, Policy.name_en).where(
                Policy.code.in_({case.policy_code for case in cases.values()})
            )
        )
    }
    context = _Context(events, cases, rules, words, policy_names)
    _load_reach(session, context, told)
    return context


def _load_reach(session: OrmSession, context: _Context, told: list[tuple[int, list]]) -> None:
    """The people a notice may reach, and the windows with a webhook, in two reads."""
    users, windows, departments, hooked = _wanted(context, told)
    conditions = []
    if users:
        conditions.append(User.id.in_(users))
    if windows:
        conditions.append((User.role == Role.WINDOW_CLERK) & User.window_code.in_(windows))
    if departments:
        conditions.append(
            User.role.in_([Role.REVIEWER, Role.TALENT_OFFICE])
            & User.department_code.in_(departments)
        )
    if conditions:
        context.people = list(session.scalars(select(User).where(or_(*conditions))))
    if hooked:
        context.webhooks = set(
            session.scalars(
                select(WindowRow.code).where(
                    WindowRow.code.in_(hooked), WindowRow.webhook_url.is_not(None)
                )
            )
        )


def _wanted(context: _Context, told: list[tuple[int, list]]) -> tuple[set, set, set, set]:
    """Whom to read: named people (for their language on any channel), the staff of windows
    and departments told by email or SMS, and the windows told by webhook."""
    users, windows, departments, hooked = set(), set(), set(), set()
    for event_id, notices in told:
        event = context.events.get(event_id)
        if event is None:
            continue
        case = context.cases[event.application_id]
        for recipient, kind in notices:
            channels = set(context.rules.get((kind, recipient), ()))
            if WEBHOOK in channels:
                hooked.add(case.window_code)
            users.update(_people(case, event, recipient))
            if not {EMAIL, SMS} & channels:
                continue
            if recipient == WINDOW:
                windows.add(case.window_code)
            elif recipient == DEPARTMENT:
                departments.update(event.data.get("departments", ()))
            elif recipient == TALENT_OFFICE:
                departments.add("talent_office")
    return users, windows, departments, hooked


def _people(case: Application, event: Event, recipient: str) -> list[int]:
    """The user ids a personal notice goes to."""
    data = event.data
    if recipient == APPLICANT:
        return [case.applicant_id]
    if recipient == ASSIGNEE:  # the person just assigned, or those working on the case
        return [data["assignee"]] if data.get("assignee") else list(data.get("assignees", ()))
    if recipient == HEADS:
        return list(data.get("heads", ()))
    return []


def _addresses(
    context: _Context, case: Application, event: Event, recipient: str, channel: str
) -> list[tuple[str, str, str]]:
    """(recipient type, address, language) of each row this recipient gets on this channel."""
    if channel == IN_APP:
        if recipient == WINDOW:
            return [(WINDOW_BOX, case.window_code, "zh")]
        if recipient == DEPARTMENT:
            return [(DEPARTMENT_BOX, code, "zh") for code in event.data.get("departments", ())]
        if recipient == TALENT_OFFICE:
            return [(DEPARTMENT_BOX, "talent_office", "zh")]
        return [(USER, str(person), _language(context, person))
                for person in _people(case, event, recipient)]  # fmt: skip
    if channel == WEBHOOK:
        return (
            [(WINDOW_BOX, case.window_code, "zh")] if case.window_code in context.webhooks else []
        )
    reachable = [
        person
        for person in _staff_or_people(context, case, event, recipient)
        if (person.email if channel == EMAIL else person.phone)
    ]
    return [(USER, str(person.id), person.language or "zh") for person in reachable]


def _staff_or_people(
    context: _Context, case: Application, event: Event, recipient: str
) -> list[User]:
    if recipient == WINDOW:
        return [p for p in context.people
                if p.role == Role.WINDOW_CLERK and p.window_code == case.window_code]  # fmt: skip
    if recipient in (DEPARTMENT, TALENT_OFFICE):
        departments = (
            {"talent_office"} if recipient == TALENT_OFFICE
            else set(event.data.get("departments", ()))
        )  # fmt: skip
        return [p for p in context.people
                if p.role in (Role.REVIEWER, Role.TALENT_OFFICE)
                and p.department_code in departments]  # fmt: skip
    wanted = set(_people(case, event, recipient))
    return [p for p in context.people if p.id in wanted]


def _language(context: _Context, person_id: int) -> str:
    person = next((p for p in context.people if p.id == person_id), None)
    return person.language if person is not None and person.language else "zh"


def _values(context: _Context, case: Application, event: Event, language: str) -> dict:
    data = event.data
    names = context.policy_names.get(case.policy_code, (case.policy_code, case.policy_code))
    items = [
        item.get(f"message_{language}") or item.get("message") or item.get("code", "")
        for item in data.get("items", ())
    ]
    date = data.get("answer_due") or data.get("due_date") or data.get("date") or ""
    return {
        "reference": case.reference,
        "policy": names[0] if language == "zh" else names[1],
        "status": event.to_status,
        "window": case.window_code,
        "date": date,
        "items": items,
        "days": data.get("days", ""),
        "rating": data.get("rating", ""),
    }


def _render(
    context: _Context, kind: str, language: str, case: Application, event: Event
) -> wording.Rendered:
    template = context.words.get((kind, language)) or context.words.get((kind, "zh"))
    if template is None:  # a rule added without words: still say which case, and what
        log.error("no template for notice %s; sent with its kind only", kind)
        return wording.Rendered(f"{kind}: {case.reference}", case.reference, 0)
    return wording.render(template, _values(context, case, event, template.language))


def _body(
    case: Application, event: Event, rendered: wording.Rendered, language: str, audience: str
) -> dict:
    """What the inbox shows and what is sent: the case by reference, never personal data; and
    whom it is for (quiet hours hold an applicant's SMS)."""
    body = {
        "audience": audience,
        "reference": case.reference,
        "policy_code": case.policy_code,
        "status": event.to_status,
        "subject": rendered.subject,
        "text": rendered.text,
        "language": language,
        "template_version": rendered.version,
    }
    if event.data.get("items"):
        body["items"] = event.data["items"]
    return body

"""What admins change about notifications, each change recorded (AdminEvent): a broadcast to
every window, the rule table (who is told of what on which channel) and the words of the notices
(a new version each time; the old ones are kept).

Rules and templates are held to the rules the seed is held to (workflow/notifications/seed.py),
so nothing an admin writes could not have been seeded.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Conflict, InvalidInput, NotFound
from workflow.models import MessageTemplate, NotificationRule
from workflow.models._types import utcnow
from workflow.notifications import (
    ACCOUNT_NOTICES,
    CHANNELS,
    LANGUAGES,
    NOTICES,
    WEBHOOK,
    WINDOW_NOTICES,
)
from workflow.notifications import templates as wording
from workflow.notifications.windows import broadcast
from workflow.services.admin_records import only_admins as _only_admins
from workflow.services.admin_records import record_admin_event as _record

BROADCAST_KINDS = ("policy_version", "recruitment_batch", "notice")
# Everyone some notice goes to: what a rule's recipient may be at all.
RECIPIENTS = tuple(sorted(set().union(*NOTICES.values())))
REFERENCE = "{{ reference }}"


# A broadcast


@dataclass(frozen=True)
class BroadcastSent:
    id: int
    kind: str
    created_at: datetime
    windows: int  # how many windows it is fanned out to


def send_broadcast(actor: Actor, kind: str, words: dict[str, str]) -> BroadcastSent:
    """An admin's message to every window (see windows.broadcast), recorded."""
    _only_admins(actor, "broadcasts to the windows")
    if kind not in BROADCAST_KINDS:
        raise InvalidInput(
            "Unknown broadcast kind.", errors={"kind": [f"One of: {', '.join(BROADCAST_KINDS)}."]}
        )
    session = Session()
    row, windows = broadcast(session, actor, kind, words)
    told = {"broadcast_id": row.id, "subject_zh": words["subject_zh"], "windows": windows}
    _record(actor, "broadcast", kind, told)
    session.commit()
    return BroadcastSent(row.id, row.kind, row.created_at, windows)


# The rule table


def list_rules(actor: Actor) -> list[NotificationRule]:
    _only_admins(actor, "sees the notification rules")
    query = select(NotificationRule).order_by(
        NotificationRule.kind, NotificationRule.recipient, NotificationRule.channel
    )
    return list(Session().scalars(query))


def rule_problems(kind: str, recipient: str, channel: str) -> dict[str, list[str]]:
    """What is wrong with a rule, by field (empty if nothing): the seed's checks."""
    if kind not in NOTICES:
        return {"kind": [f"Not a notice kind: one of {', '.join(sorted(NOTICES))}."]}
    problems = {}
    if recipient not in NOTICES[kind]:
        allowed = ", ".join(sorted(NOTICES[kind]))
        problems["recipient"] = [f"{kind} never goes to {recipient!r} (only {allowed})."]
    if channel not in CHANNELS:
        problems["channel"] = [f"One of: {', '.join(CHANNELS)}."]
    elif channel == WEBHOOK and recipient != "window":
        problems["channel"] = ["Only a window has a webhook."]
    return problems


def add_rule(
    actor: Actor, kind: str, recipient: str, channel: str, active: bool = True
) -> NotificationRule:
    """A new line of the rule table; 409 if (kind, recipient, channel) has one already."""
    _only_admins(actor, "changes the notification rules")
    problems = rule_problems(kind, recipient, channel)
    if problems:
        raise InvalidInput("The rule is not valid.", errors=problems)
    session = Session()
    conflict = Conflict(
        f"There is a rule for {kind} to {recipient} on {channel} already; change its `active`."
    )
    exists = select(NotificationRule.id).where(
        NotificationRule.kind == kind,
        NotificationRule.recipient == recipient,
        NotificationRule.channel == channel,
    )
    if session.scalar(exists) is not None:
        raise conflict
    rule = NotificationRule(kind=kind, recipient=recipient, channel=channel, active=active)
    session.add(rule)
    try:
        session.flush()
    except IntegrityError:  # added by another admin since the look above
        session.rollback()
        raise conflict from None
    _record(actor, "add_notification_rule", f"{kind}/{recipient}/{channel}",
            {"id": rule.id, "active": active})  # fmt: skip
    session.commit()
    return rule


def set_rule_active(actor: Actor, rule_id: int, active: bool) -> NotificationRule:
    """Switch a rule on or off (rules are never deleted, so the record reads back)."""
    _only_admins(actor, "changes the notification rules")
    session = Session()
    rule = session.get(NotificationRule, rule_id, with_for_update=True)
    if rule is None:
        raise NotFound(f"There is no notification rule {rule_id}.")
    previous, rule.active = rule.active, active
    _record(actor, "set_notification_rule_active", f"{rule.kind}/{rule.recipient}/{rule.channel}",
            {"id": rule.id, "active": active, "previous": previous})  # fmt: skip
    session.commit()
    return rule


# The words of the notices


def _known_notice(code: str) -> None:
    if code not in NOTICES:
        raise NotFound(f"There is no notice {code!r}.")


def newest_templates(actor: Actor, code: str) -> list[MessageTemplate]:
    """The words in use for a notice: the newest version in each language."""
    _only_admins(actor, "sees the message templates")
    _known_notice(code)
    words = wording.latest(Session(), {code})
    return [words[(code, language)] for language in LANGUAGES if (code, language) in words]


def _render_trouble(source: str) -> str | None:
    """Why `source` fails to render with the sample values, if it does. check() reads the
    parsed template only; an unknown filter or an attribute no value has shows when rendering,
    and is better refused here than by every message sent with it."""
    probe = MessageTemplate(subject="", text=source, version=0)  # never added to the session
    try:
        wording.render(probe, wording.SAMPLE)
    except Exception as error:  # whatever the template does with the values
        return type(error).__name__
    return None


def template_problems(code: str, subject: str, text: str) -> dict[str, list[str]]:
    """What is wrong with a notice's words, by field (empty if nothing): the seed's checks, and
    that the words render."""
    problems = {}
    for field, source in (("subject", subject), ("text", text)):
        if not source.strip():
            problems[field] = ["Must not be blank."]
            continue
        try:
            wording.check(source)
        except wording.TemplateProblem as problem:
            problems[field] = [f"The template {problem}."]
            continue
        trouble = _render_trouble(source)
        if trouble:
            problems[field] = [f"The template does not render with the sample values ({trouble})."]
    about_a_case = code not in WINDOW_NOTICES | ACCOUNT_NOTICES
    if not problems and about_a_case and REFERENCE not in subject + text:
        missing = [f"Subject or text must name the case by {REFERENCE}."]
        problems = {"subject": missing, "text": missing}
    return problems


def edit_template(
    actor: Actor, code: str, language: str, subject: str, text: str
) -> MessageTemplate:
    """New words for a notice in one language: a new version (newest + 1), used from now on."""
    _only_admins(actor, "changes the message templates")
    _known_notice(code)
    if language not in LANGUAGES:
        raise InvalidInput(
            "Unknown language.", errors={"language": [f"One of: {', '.join(LANGUAGES)}."]}
        )
    problems = template_problems(code, subject, text)
    if problems:
        raise InvalidInput("The template is not valid.", errors=problems)
    session = Session()
    newest = session.scalar(
        select(func.max(MessageTemplate.version)).where(
            MessageTemplate.code == code, MessageTemplate.language == language
        )
    )
    version = (newest or 0) + 1
    template = MessageTemplate(code=code, language=language, version=version, subject=subject,
                               text=text, created_at=utcnow())  # fmt: skip
    session.add(template)
    try:
        session.flush()
    except IntegrityError:  # another admin saved this version first
        session.rollback()
        raise Conflict(
            f"The {language} words of {code} were changed at the same moment; look and try again."
        ) from None
    _record(actor, "edit_message_template", f"{code}/{language}",
            {"version": version, "previous_version": newest})  # fmt: skip
    session.commit()
    return template

"""SMS about one's account (ACCOUNT_NOTICES): written as a notification row to the person, in
the caller's transaction, and handed to the delivery workers after its commit, as every message
that leaves the system is. Its audience keeps quiet hours from holding it back.

A one-time code must not be readable from a copy of the database: the row shows the text with
the code masked, and keeps the text that is sent sealed like an identity number
(workflow/personal_data.py), opened only to send it."""

import secrets

from sqlalchemy.orm import Session as OrmSession

from config.queues import TaskNames
from workflow import outbox
from workflow.models import Notification, User
from workflow.models._types import utcnow
from workflow.notifications import ACCOUNT_AUDIENCE, CREATED, PHONE_CODE, SMS, USER
from workflow.notifications import templates as wording
from workflow.notifications.dispatch import FIRST_ATTEMPT_GRACE
from workflow.personal_data import open_, seal

# The value of each notice that is a secret, and what the row shows in its place.
SECRETS = {PHONE_CODE: "code"}
MASK = "******"
SEALED_TEXT = "notification_text"  # the sealing purpose: a sealed text opens as nothing else


def send_account_sms(session: OrmSession, user: User, kind: str, values: dict) -> Notification:
    words = wording.latest(session, {kind})
    language = user.language if (kind, user.language) in words else "zh"
    rendered = wording.render(words[(kind, language)], values)
    body = {
        "audience": ACCOUNT_AUDIENCE,
        "subject": rendered.subject,
        "text": rendered.text,
        "language": language,
        "template_version": rendered.version,
    }
    if secret := SECRETS.get(kind):
        masked = wording.render(words[(kind, language)], {**values, secret: MASK})
        body["text"], body["text_sealed"] = masked.text, seal(rendered.text, SEALED_TEXT)
    now = utcnow()
    row = Notification(
        # Each message is its own: a new code is a new row, never a resend of the last one.
        source=f"account:{secrets.token_hex(12)}",
        recipient_type=USER,
        recipient=str(user.id),
        channel=SMS,
        kind=kind,
        status=CREATED,
        body=body,
        created_at=now,
        attempts=0,
        next_attempt_at=now + FIRST_ATTEMPT_GRACE,
    )
    session.add(row)
    session.flush()
    outbox.publish_after_commit(session, TaskNames.DELIVER_NOTIFICATIONS, row.id)
    return row


def text_to_send(body: dict) -> str:
    """The text a message goes out with: the sealed one, opened, where the row keeps one."""
    sealed = body.get("text_sealed")
    return open_(sealed, SEALED_TEXT) if sealed else body["text"]

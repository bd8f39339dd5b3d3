"""Notification use cases that write: reading an inbox row, a provider's SMS receipt, a window's
webhook (set by admins, recorded), the tasks a failed message leaves a window (listed, done),
and an admin's preview of a message template."""

from dataclasses import dataclass

from sqlalchemy import select

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from workflow.lifecycle import Role
from workflow.models import AdminEvent, Notification, Window, WindowTask
from workflow.models._types import utcnow
from workflow.notifications import IN_APP, USER, id_from_reference
from workflow.notifications import templates as wording
from workflow.notifications.delivery import RECEIPT_STATUSES, record_sms_receipt
from workflow.repositories import notifications as notifications_repo

# Ids past the 32-bit column range name no row (and must not reach the database as such).
MAX_ID = 2**31 - 1


def mark_read(actor: Actor, notification_id: int) -> Notification:
    """Mark an inbox row read; reading it again keeps the first time. 404 for anyone else's row,
    409 for a row that is not an inbox message (an SMS, an email, a webhook)."""
    session = Session()
    row = notifications_repo.get_for(session, actor, notification_id)
    if row.channel != IN_APP:
        raise Conflict(
            f"Notification {notification_id} was sent by {row.channel}, not to the inbox; "
            "only inbox messages are marked read."
        )
    if actor.role == Role.ADMIN and not (
        row.recipient_type == USER and row.recipient == str(actor.user_id)
    ):
        # Admins may look at every row, but only its recipients mark it read.
        raise Forbidden("Only its recipients mark a notification read.")
    session.refresh(row, with_for_update=True)  # two clicks at once keep one read_at
    if row.read_at is None:
        row.read_at = utcnow()
    session.commit()
    return row


def record_receipt(reference_text: str, status: str) -> Notification:
    """The SMS provider's receipt for one of our messages, by the reference we sent with it."""
    errors = {}
    notification_id = id_from_reference(reference_text)
    if notification_id is None:
        errors["reference"] = ["Not a reference we sent (yh-n-<number>)."]
    if status not in RECEIPT_STATUSES:
        errors["status"] = [f"One of: {', '.join(sorted(RECEIPT_STATUSES))}."]
    if errors:
        raise InvalidInput("Some fields are invalid.", errors=errors)
    row = record_sms_receipt(notification_id, status) if notification_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"There is no SMS {reference_text}.")
    return row


def set_window_webhook(actor: Actor, window_code: str, url: str | None, secret: str | None):
    """Point a window's webhook at `url`, signed with `secret`; None removes it (and the secret).
    The change is recorded without the secret."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an admin sets a window's webhook.")
    if url is not None and not secret:
        raise InvalidInput("A webhook needs a secret.", errors={"secret": ["Required with a url."]})
    if url is None and secret is not None:
        raise InvalidInput(
            "A secret without a url.", errors={"secret": ["Only with a url; send none to remove."]}
        )
    session = Session()
    window = session.get(Window, window_code, with_for_update=True)
    if window is None:
        raise NotFound(f"There is no window {window_code!r}.")
    previous_url, had_secret = window.webhook_url, window.webhook_secret is not None
    window.webhook_url, window.webhook_secret = url, secret
    session.add(
        AdminEvent(
            actor_id=actor.user_id,
            actor_role=actor.role,
            action="set_window_webhook" if url else "remove_window_webhook",
            subject=window.code,
            data={
                "url": url,
                "previous_url": previous_url,
                "secret_set": secret is not None,
                "secret_removed": had_secret and secret is None,
            },
        )
    )
    session.commit()
    return window


def _window_visible(actor: Actor, window_code: str) -> None:
    """A window's tasks are its clerks' and, to read, the talent office's and admins': 404 for
    another window (or none), 403 for a role with no window business."""
    if actor.role == Role.WINDOW_CLERK:
        if actor.window_code != window_code:
            raise NotFound(f"There is no window {window_code!r} of yours.")
    elif actor.role in (Role.ADMIN, Role.TALENT_OFFICE):
        if Session().get(Window, window_code) is None:
            raise NotFound(f"There is no window {window_code!r}.")
    else:
        raise Forbidden("Window tasks are for the windows, the talent office and admins.")


def list_window_tasks(
    actor: Actor, window_code: str, *, open_only: bool, before_id: int | None, limit: int
) -> list[WindowTask]:
    """A window's tasks, newest first; `open_only` leaves out those done."""
    _window_visible(actor, window_code)
    query = select(WindowTask).where(WindowTask.window_code == window_code)
    if open_only:
        query = query.where(WindowTask.done_at.is_(None))
    if before_id is not None:
        query = query.where(WindowTask.id < before_id)
    return list(Session().scalars(query.order_by(WindowTask.id.desc()).limit(limit)))


def complete_window_task(actor: Actor, window_code: str, task_id: int) -> WindowTask:
    """A clerk of the window marks its task done; done again keeps the first time and clerk."""
    _window_visible(actor, window_code)
    if actor.role != Role.WINDOW_CLERK:
        raise Forbidden("Only a clerk of the window marks its tasks done.")
    session = Session()
    task = session.get(WindowTask, task_id, with_for_update=True)  # two clicks keep one done_at
    if task is None or task.window_code != window_code:
        raise NotFound(f"There is no task {task_id} of window {window_code!r}.")
    if task.done_at is None:
        task.done_at, task.done_by = utcnow(), actor.user_id
    session.commit()
    return task


@dataclass(frozen=True)
class Preview:
    code: str
    language: str
    version: int
    subject: str
    text: str


def preview_template(actor: Actor, code: str, language: str, values: dict) -> Preview:
    """The newest version of a notice's words rendered with the sample values (and the caller's
    overrides). A language without words of its own falls back to Chinese, as sending does."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only admins preview message templates.")
    unknown = sorted(set(values) - wording.PLACEHOLDERS.keys())
    if unknown:
        raise InvalidInput(
            "Unknown placeholders.",
            errors={f"values.{key}": ["Not a placeholder messages carry."] for key in unknown},
        )
    words = wording.latest(Session(), {code})
    template = words.get((code, language)) or words.get((code, "zh"))
    if template is None:
        raise NotFound(f"There is no message template {code!r}.")
    try:
        rendered = wording.render(template, {**wording.SAMPLE, **values})
    except Exception as error:  # the caller's values meet the template (a number looped over)
        raise InvalidInput(
            "The template does not render with these values.",
            errors={"values": [f"Rendering failed: {type(error).__name__}."]},
        ) from None
    return Preview(code, template.language, rendered.version, rendered.subject, rendered.text)

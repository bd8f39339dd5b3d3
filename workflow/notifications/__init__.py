"""Notifications: who is told what, on which channel, and whether it arrived.

A transition names its notices (workflow/lifecycle.py: recipient and kind); the dispatcher turns
them into rows by the rule table and the templates (dispatch.py); a delivery worker sends each
row that leaves the system and records every attempt (delivery.py); receipts and a sweep bring
every row to a final status.
"""

from workflow.lifecycle import TRANSITIONS

IN_APP, EMAIL, SMS, WEBHOOK = "in_app", "email", "sms", "webhook"
CHANNELS = (IN_APP, EMAIL, SMS, WEBHOOK)
LANGUAGES = ("zh", "en")

# Recipient types as stored: a window's or a department's shared inbox, or one person.
WINDOW_BOX, DEPARTMENT_BOX, USER = "window", "department", "user"

CREATED, SENDING, DELIVERED = "created", "sending", "delivered"
TEMPORARY_FAILURE, PERMANENT_FAILURE = "temporary_failure", "permanent_failure"
TECHNICAL_FAILURE = "technical_failure"
STATUSES = (
    CREATED, SENDING, DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE,
)  # fmt: skip
# Never left once reached, whatever arrives later (a late or repeated receipt).
FINAL = frozenset({DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE})

# Notices that are not about one case: an admin's broadcast to every window, and each window's
# morning digest. Their words name no case reference.
BROADCAST, DAILY_DIGEST = "broadcast", "daily_digest"
WINDOW_NOTICES = frozenset({BROADCAST, DAILY_DIGEST})

# Notices about one's account, always an SMS to the phone registered with, never by the rules:
# the one-time code, and a word to a confirmed phone that someone tried to register with it.
PHONE_CODE, REGISTRATION_TRIED = "phone_code", "registration_tried"
ACCOUNT_NOTICES = frozenset({PHONE_CODE, REGISTRATION_TRIED})
ACCOUNT_AUDIENCE = "account"  # never held by quiet hours: the person is waiting for it

# Every notice kind there is, and to which recipients: what rules may name (no rule names an
# account notice).
NOTICES: dict[str, frozenset[str]] = {kind: frozenset({"window"}) for kind in WINDOW_NOTICES}
NOTICES.update({kind: frozenset() for kind in ACCOUNT_NOTICES})
for _transition in TRANSITIONS.values():
    for _recipient, _kind in _transition.notify:
        NOTICES[_kind] = NOTICES.get(_kind, frozenset()) | {_recipient}


def reference_of(notification_id: int) -> str:
    """Sent with every attempt (SMS reference, email Message-ID, webhook header), so the far side
    can tell a resend from a new message."""
    return f"yh-n-{notification_id}"


def id_from_reference(reference: str) -> int | None:
    prefix, _, number = reference.partition("yh-n-")
    valid = not prefix and number.isascii() and number.isdigit() and len(number) <= 12
    return int(number) if valid else None

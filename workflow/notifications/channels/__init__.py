"""Channel adapters: each delivers one message and reports an Outcome instead of raising.

Without an SMTP server or SMS provider configured (the embedded default), email and SMS are
written under OUTBOX_DIR instead.
"""

from collections.abc import Mapping
from pathlib import Path

from config import VAR
from workflow.notifications.channels.base import Channel, Outcome, Outgoing, Result
from workflow.notifications.channels.email import SmtpChannel
from workflow.notifications.channels.files import FileEmailChannel, FileSmsChannel
from workflow.notifications.channels.sms import HttpSmsChannel
from workflow.notifications.channels.webhook import WebhookChannel

__all__ = [
    "Channel",
    "FileEmailChannel",
    "FileSmsChannel",
    "HttpSmsChannel",
    "Outcome",
    "Outgoing",
    "Result",
    "SmtpChannel",
    "WebhookChannel",
    "channels_from_settings",
]


def _setting(settings, name: str, default):
    # A settings object (TestConfig()) or a mapping (app.config) both work.
    if isinstance(settings, Mapping):
        value = settings.get(name)
    else:
        value = getattr(settings, name, None)
    return default if value is None else value


def channels_from_settings(settings) -> dict[str, Channel]:
    """'email', 'sms', 'webhook' -> adapter. A malformed SMTP_URL or SMS_PROVIDER_URL raises
    ValueError here, at start-up, rather than failing every message later."""
    smtp_url = _setting(settings, "SMTP_URL", None)
    sms_url = _setting(settings, "SMS_PROVIDER_URL", None)
    outbox = Path(_setting(settings, "OUTBOX_DIR", VAR / "outbox"))
    timeout = float(_setting(settings, "DELIVERY_TIMEOUT_SECONDS", 5.0))
    return {
        "email": SmtpChannel(smtp_url, timeout) if smtp_url else FileEmailChannel(outbox),
        "sms": HttpSmsChannel(sms_url, timeout) if sms_url else FileSmsChannel(outbox),
        "webhook": WebhookChannel(timeout),
    }

"""SMS through the provider's HTTP API. The provider accepts a message; its delivery receipt,
signed with sign_body (workflow/notifications/signatures.py), says later whether it arrived."""

import re
from urllib.parse import urlsplit

import httpx

from workflow.notifications.channels.base import (
    HttpPoster,
    Outcome,
    Outgoing,
    Result,
    classify_status,
)

# E.164: what the provider takes; mainland mobiles arrive as +861xxxxxxxxxx.
_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def is_phone_number(value: str) -> bool:
    return bool(_PHONE.fullmatch(value))


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class HttpSmsChannel:
    name = "sms"

    def __init__(self, url: str, timeout: float) -> None:
        if not is_http_url(url):
            raise ValueError("SMS_PROVIDER_URL must be an http:// or https:// URL")
        self.url = url
        self._poster = HttpPoster(timeout)

    def send(self, message: Outgoing) -> Result:
        if not is_phone_number(message.to):
            return Result(Outcome.PERMANENT, "malformed phone number")
        # The provider drops a reference it has already accepted, so a retry after a lost answer
        # does not send the text twice.
        document = {"to": message.to, "text": message.text, "reference": message.reference}
        response = self._poster.post(self.url, json=document)
        if isinstance(response, Result):
            return response
        detail = f"http {response.status_code}"
        if outcome := classify_status(response.status_code):
            return Result(outcome, detail)
        return Result(Outcome.ACCEPTED, detail, _provider_id(response))

    def close(self) -> None:
        self._poster.close()


def _provider_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("id") not in (None, ""):
        return str(body["id"])
    return None

"""Signed JSON POSTs to a partner's URL.

The receiver checks X-Yanhu-Signature (sign_webhook over "<timestamp>.<body>") and may refuse an
old X-Yanhu-Timestamp; X-Yanhu-Reference is the same on every attempt, so it can drop a repeat.
"""

import json
import time

from workflow.notifications.channels.base import (
    HttpPoster,
    Outcome,
    Outgoing,
    Result,
    classify_status,
)
from workflow.notifications.channels.sms import is_http_url
from workflow.notifications.signatures import sign_webhook


class WebhookChannel:
    name = "webhook"

    def __init__(self, timeout: float) -> None:
        self._poster = HttpPoster(timeout)

    def send(self, message: Outgoing) -> Result:
        if not message.secret:
            return Result(Outcome.PERMANENT, "no webhook secret")
        if not is_http_url(message.to):
            return Result(Outcome.PERMANENT, "malformed webhook url")
        try:
            body = json.dumps(
                message.payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
        except (TypeError, ValueError):
            return Result(Outcome.PERMANENT, "payload is not json")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Yanhu-Timestamp": str(timestamp),
            "X-Yanhu-Signature": sign_webhook(message.secret, timestamp, body),
            "X-Yanhu-Reference": message.reference,
        }
        response = self._poster.post(message.to, content=body, headers=headers)
        if isinstance(response, Result):
            return response
        detail = f"http {response.status_code}"
        return Result(classify_status(response.status_code) or Outcome.DELIVERED, detail)

    def close(self) -> None:
        self._poster.close()

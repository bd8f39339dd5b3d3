"""HMAC-SHA256 signatures: on the webhooks we send, and on the SMS provider's delivery receipts."""

import hashlib
import hmac


def _sha256(secret: str, data: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """Over "<timestamp>.<body>", so a receiver that checks the timestamp's age can refuse a
    captured request replayed later."""
    return _sha256(secret, f"{timestamp}.".encode() + body)


def sign_body(secret: str, body: bytes) -> str:
    """Over the raw body: the scheme the SMS provider uses for its delivery receipts."""
    return _sha256(secret, body)


def signature_matches(expected: str, given: str | None) -> bool:
    """Constant-time, so the comparison leaks nothing about how much of a forgery was right."""
    if not isinstance(given, str):
        return False
    try:
        return hmac.compare_digest(expected.encode(), given.encode())
    except UnicodeEncodeError:
        return False

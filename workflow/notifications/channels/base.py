"""What every channel takes and returns, and the HTTP plumbing the SMS and webhook channels share.

A channel reports an outcome instead of raising, so the delivery service decides about retries in
one place. Details go to the attempts log: they name a status or an error class, never the
destination or the text.
"""

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx

# The reference names a file in the outbox and goes into a Message-ID: keep it to safe characters.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True, repr=False)
class Outgoing:
    reference: str  # unique per notification and the same on every attempt: "yh-n-42"
    to: str  # email address, +86 phone number or webhook URL
    subject: str
    text: str
    payload: dict  # the JSON document a webhook receives
    secret: str | None = None  # webhook signing secret

    def __post_init__(self) -> None:
        if not _REFERENCE.fullmatch(self.reference):
            raise ValueError("reference must be 1-128 letters, digits, '.', '_' or '-'")

    def __repr__(self) -> str:
        # Tracebacks and logs may show this object: only the reference, never personal data.
        return f"Outgoing(reference={self.reference!r})"


class Outcome(StrEnum):
    DELIVERED = "delivered"  # the far side took it for good
    ACCEPTED = "accepted"  # the SMS provider took it; its delivery receipt tells the end
    TEMPORARY = "temporary"  # try again later
    PERMANENT = "permanent"  # never retry


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""
    provider_id: str | None = None


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> Result: ...


def classify_status(status: int) -> Outcome | None:
    """None for 2xx; a redirect or a 4xx other than 429 will not change on a retry."""
    if 200 <= status < 300:
        return None
    if status == 429 or status >= 500:
        return Outcome.TEMPORARY
    return Outcome.PERMANENT


def _transport_detail(error: httpx.TransportError) -> str:
    # str(error) may quote the host or URL, so only the kind of failure is reported.
    if isinstance(error, httpx.ConnectError):
        return "connection refused" if "refused" in str(error).lower() else "connection failed"
    if isinstance(error, httpx.RemoteProtocolError):
        return "protocol error"
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return "transport error"


class HttpPoster:
    """One httpx.Client per process: a pooled connection opened before a fork (Celery prefork)
    must not be shared by the parent and the child."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._pid = 0

    def post(self, url: str, **kwargs) -> httpx.Response | Result:
        """The response, or the Result for a request that got none."""
        try:
            return self._current().post(url, **kwargs)
        except httpx.TimeoutException:
            return Result(Outcome.TEMPORARY, "timeout")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return Result(Outcome.PERMANENT, "malformed url")
        except httpx.TransportError as error:
            return Result(Outcome.TEMPORARY, _transport_detail(error))

    def close(self) -> None:
        if self._client is not None and self._pid == os.getpid():
            self._client.close()
        self._client = None

    def _current(self) -> httpx.Client:
        if self._client is None or self._pid != os.getpid():
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
            self._pid = os.getpid()
        return self._client

"""Email over SMTP, and the one builder of the message both the SMTP and the file channel send."""

import functools
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from workflow.notifications.channels.base import Outcome, Outgoing, Result

DOMAIN = "yanhu.gov.cn"
DEFAULT_SENDER = f"noreply@{DOMAIN}"
# The compat32 message classes: EmailMessage parses every header it is given and set_content
# sniffs the body, several times the cost of the rest of sending a message, and ours are plain
# (one address, a subject, a text). CRLF as on the wire; a non-ASCII body is base64, so a server
# without 8BITMIME still receives the Chinese text intact.
_POLICY = compat32.clone(linesep="\r\n")
_PLAIN_LINE = 78  # an ASCII body with lines no longer than this goes as it is (7bit)
# One plain addr-spec: no display name, no list, nothing a header could be folded around.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+\.[^@\s<>()\[\],;:\"\\]+")
_URL_FORM = "SMTP_URL must look like smtp://[user[:password]@]host[:port][?starttls=true]"
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def is_email_address(value: str) -> bool:
    return bool(_ADDRESS.fullmatch(value))


def build_email(message: Outgoing, sender: str = DEFAULT_SENDER) -> Message:
    """The RFC 5322 message. The Message-ID comes from the reference, so every attempt carries the
    same one and a mailbox that already has it can drop the copy. A subject with a line break
    raises ValueError (it would end the header early)."""
    if "\r" in message.subject or "\n" in message.subject:
        raise ValueError("a line break in the subject")
    lines = message.text.splitlines()
    body = "\r\n".join(lines) + "\r\n"
    plain = body.isascii() and all(len(line) <= _PLAIN_LINE for line in lines)
    email = MIMEText(body, "plain", "us-ascii" if plain else "utf-8", policy=_POLICY)
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = (
        message.subject if message.subject.isascii() else Header(message.subject, "utf-8")
    )
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = f"<{message.reference}@{DOMAIN}>"
    return email


def prepare_email(message: Outgoing, sender: str = DEFAULT_SENDER) -> Message | Result:
    """The message to send, or the permanent failure that explains why there is none."""
    if not is_email_address(message.to):
        return Result(Outcome.PERMANENT, "malformed email address")
    try:
        return build_email(message, sender)
    except ValueError:  # a header with a line break, say; its text may be personal, so not shown
        return Result(Outcome.PERMANENT, "malformed message")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    sender: str = DEFAULT_SENDER


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp:// (or smtps:// for TLS from the first byte). Errors never quote the URL: it may hold
    a password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(_URL_FORM) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(_URL_FORM)
    query = parse_qs(parts.query, keep_blank_values=True)
    if unknown := set(query) - {"starttls", "from"}:
        raise ValueError(f"SMTP_URL: unknown option {sorted(unknown)[0]!r}")
    starttls = query.get("starttls", ["false"])[-1].lower()
    sender = query.get("from", [DEFAULT_SENDER])[-1]
    if starttls not in _TRUE | _FALSE:
        raise ValueError("SMTP_URL: starttls must be true or false")
    if not is_email_address(sender):
        raise ValueError("SMTP_URL: from must be one plain email address")
    implicit_tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        starttls=starttls in _TRUE,
        implicit_tls=implicit_tls,
        sender=sender,
    )


@functools.cache
def _local_hostname() -> str:
    # smtplib would look this up on every connection.
    return socket.getfqdn()


class SmtpChannel:
    """Sends over one kept connection per process: a connection, EHLO, STARTTLS and login cost
    more than a message. A kept connection the server has dropped is opened again once; one idle
    for IDLE_SECONDS is closed first, before the server's own idle timeout can catch it."""

    name = "email"
    IDLE_SECONDS = 30.0

    def __init__(self, url: str, timeout: float) -> None:
        self.server = parse_smtp_url(url)
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._owner = 0  # the pid that opened it: a forked child opens its own
        self._last_used = 0.0

    def send(self, message: Outgoing) -> Result:
        prepared = prepare_email(message, self.server.sender)
        if isinstance(prepared, Result):
            return prepared
        try:
            self._deliver(prepared, message.to)
        except smtplib.SMTPException as error:
            return _smtp_failure(error)
        except OSError as error:
            return _network_failure(error)
        return Result(Outcome.DELIVERED, "smtp 250")

    def _deliver(self, email: Message, to: str) -> None:
        kept = self._kept()
        if kept is not None:
            try:
                self._send_on(kept, email, to)
                return
            except (smtplib.SMTPServerDisconnected, OSError):
                self._drop()  # gone while idle: once more on a new connection
        smtp = self._connect()
        try:
            self._send_on(smtp, email, to)
        except BaseException:
            _quit(smtp)
            raise
        self._smtp, self._owner = smtp, os.getpid()

    def _send_on(self, smtp: smtplib.SMTP, email: Message, to: str) -> None:
        smtp.send_message(email, from_addr=self.server.sender, to_addrs=[to])
        self._last_used = time.monotonic()

    def _kept(self) -> smtplib.SMTP | None:
        if self._smtp is None or self._owner != os.getpid():
            self._smtp = None
            return None
        if time.monotonic() - self._last_used > self.IDLE_SECONDS:
            self._drop()
            return None
        return self._smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            _quit(self._smtp)
        self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                local_hostname=_local_hostname(),
                timeout=self.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(
                server.host, server.port, local_hostname=_local_hostname(), timeout=self.timeout
            )
        try:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password or "")
        except BaseException:
            _quit(smtp)
            raise
        return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    """A failed QUIT after the server said 250 must not turn a delivery into a failure."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _from_code(code: int) -> Result:
    outcome = Outcome.PERMANENT if 500 <= code < 600 else Outcome.TEMPORARY
    return Result(outcome, f"smtp {code}")


def _smtp_failure(error: smtplib.SMTPException) -> Result:
    # Server messages are not kept: they often repeat the address.
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return _from_code(codes[0] if codes else 0)
    if isinstance(error, smtplib.SMTPConnectError):
        return Result(Outcome.TEMPORARY, f"smtp connect {error.smtp_code}")
    if isinstance(error, smtplib.SMTPResponseException):
        return _from_code(error.smtp_code)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return Result(Outcome.TEMPORARY, "disconnected")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return Result(Outcome.PERMANENT, "smtp extension not supported")
    return Result(Outcome.TEMPORARY, "smtp error")


def _network_failure(error: OSError) -> Result:
    if isinstance(error, ConnectionRefusedError):
        detail = "connection refused"
    elif isinstance(error, TimeoutError):
        detail = "timeout"
    elif isinstance(error, ConnectionResetError | BrokenPipeError):
        detail = "connection reset"
    elif isinstance(error, ssl.SSLError):
        detail = "tls error"
    elif isinstance(error, socket.gaierror):
        detail = "name resolution failed"
    else:
        detail = "connection failed"
    return Result(Outcome.TEMPORARY, detail)

"""Local stand-ins for the servers notifications go to: an SMTP server, the SMS provider's HTTP
API and a partner's webhook receiver. Each runs in daemon threads on 127.0.0.1, on a free port,
and is started and stopped as a context manager:

    with SmsProviderStandIn() as provider:
        channel = HttpSmsChannel(provider.url, timeout=0.5)
        provider.script = [503]          # the next answer; then normal service
        ...
"""

import email
import email.policy
import json
import socket
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def unused_port() -> int:
    """A port nothing listens on (bound and released at once): connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# SMTP ------------------------------------------------------------------------------------------


class SmtpMessage(NamedTuple):
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage  # parsed; get_content() gives the decoded text


class _PortZeroController(Controller):
    """aiosmtpd connects to its own port once at start; with port 0 that must be the bound one."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _SmtpHandler:
    """aiosmtpd's handler (kept apart from SmtpSink: aiosmtpd reads every attribute it has)."""

    def __init__(self) -> None:
        self.messages: list[SmtpMessage] = []
        self.failures: dict[str, list[int]] = {"RCPT": [], "DATA": []}
        self.lock = threading.Lock()

    def _scripted(self, stage: str) -> str | None:
        with self.lock:
            if self.failures[stage]:
                code = self.failures[stage].pop(0)
                return f"{code} {str(code)[0]}.0.0 scripted failure"
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if refusal := self._scripted("RCPT"):
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if refusal := self._scripted("DATA"):
            return refusal
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(SmtpMessage(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server that keeps what it receives in `.messages`, or refuses it on request:
    `fail_next(451)` answers the next RCPT TO with 451, `fail_next(550, stage="DATA", count=2)` the
    next two DATA commands with 550."""

    def __init__(self, port: int = 0) -> None:
        self._handler = _SmtpHandler()
        self._controller: Controller | None = None
        self._port = port  # 0: any free one; a given one to restart a server where it was

    @property
    def messages(self) -> list[SmtpMessage]:
        return self._handler.messages

    def fail_next(self, code: int, stage: str = "RCPT", count: int = 1) -> None:
        with self._handler.lock:
            self._handler.failures[stage].extend([code] * count)

    @property
    def port(self) -> int:
        assert self._controller is not None, "SmtpSink is not running"
        return self._controller.port

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def start(self) -> "SmtpSink":
        controller = _PortZeroController(
            self._handler, hostname=HOST, port=self._port, server_hostname="sink.test"
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# HTTP ------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, document = self.server.stand_in._answer(dict(self.headers.items()), body)
        data = json.dumps(document).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a hang longer than its timeout)

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stand_in: "_HttpStandIn"


class _HttpStandIn:
    """A threaded HTTP server answering POSTs. `script` holds status codes to answer first, one per
    request; `hang_seconds` delays every answer (stop() cuts the wait short)."""

    def __init__(self, script: list[int] | None = None, hang_seconds: float = 0.0) -> None:
        self.script = list(script or [])
        self.hang_seconds = hang_seconds
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Bumped by forget(): an answer still hanging from before is not counted after it.
        self._generation = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, f"{type(self).__name__} is not running"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self):
        self._stopping.clear()
        server = _Server((HOST, 0), _Handler)
        server.stand_in = self
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        # Recorded and scripted in order of arrival, before any hang: a request the client gave
        # up on was still received.
        with self._lock:
            request = self._record(headers, body)
            scripted = self.script.pop(0) if self.script else None
            generation = self._generation
        if self.hang_seconds:
            self._stopping.wait(self.hang_seconds)
        if scripted is not None:
            return scripted, {"error": "scripted"}
        with self._lock:
            if generation != self._generation:  # a test forgot it meanwhile: its client is gone
                return 503, {"error": "forgotten"}
            return self._respond(request)

    def forget(self) -> None:
        """Start afresh: what was received is dropped, and a request still hanging from before
        (its client gone) counts for nothing when its answer comes."""
        with self._lock:
            self._generation += 1
            self._forget()

    def _forget(self) -> None:
        raise NotImplementedError

    def _record(self, headers: dict[str, str], body: bytes):
        raise NotImplementedError

    def _respond(self, request) -> tuple[int, dict]:
        raise NotImplementedError


class SmsProviderStandIn(_HttpStandIn):
    """The SMS provider's API: POST {"to", "text", "reference"} -> 202 {"id": "sms-<n>"}.

    Every request is kept in `.requests` (parsed JSON). A reference accepted before gets the same
    id again and is counted once in `.accepted` (reference -> id), as the real provider promises.
    A body that is not that JSON gets 400, like a scripted code."""

    def __init__(self, script: list[int] | None = None, hang_seconds: float = 0.0) -> None:
        super().__init__(script, hang_seconds)
        self.requests: list[dict] = []
        self.accepted: dict[str, str] = {}

    def _record(self, headers, body):
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        self.requests.append(document)
        return document

    def _forget(self):
        self.requests.clear()
        self.accepted.clear()

    def _respond(self, document):
        if not isinstance(document, dict) or not {"to", "text", "reference"} <= set(document):
            return 400, {"error": "to, text and reference are required"}
        reference = document["reference"]
        if reference not in self.accepted:
            self.accepted[reference] = f"sms-{len(self.accepted) + 1}"
        return 202, {"id": self.accepted[reference]}


class WebhookRequest(NamedTuple):
    headers: dict[str, str]  # names in lower case
    body: bytes


class WebhookReceiver(_HttpStandIn):
    """A partner's endpoint: keeps every request as (headers, raw body) in `.requests` and answers
    200, or the next code in `script`."""

    def __init__(self, script: list[int] | None = None, hang_seconds: float = 0.0) -> None:
        super().__init__(script, hang_seconds)
        self.requests: list[WebhookRequest] = []

    def _record(self, headers, body):
        self.requests.append(WebhookRequest({k.lower(): v for k, v in headers.items()}, body))

    def _forget(self):
        self.requests.clear()

    def _respond(self, request):
        return 200, {"ok": True}

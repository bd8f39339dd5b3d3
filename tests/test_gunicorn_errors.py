"""gunicorn's own refusals (config/gunicorn.py) are the JSON envelope with the security headers,
checked against a real gunicorn with raw sockets: these requests never reach the app, and most
cannot even be sent with an HTTP client library."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TEST_VAR
from tests.processes import wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    TEST_VAR.mkdir(parents=True, exist_ok=True)
    log = open(TEST_VAR / "gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "config/gunicorn.py",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "api.wsgi:app",
        ],  # fmt: skip
        cwd=ROOT,
        env=os.environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _answers(port), 30, message="gunicorn to answer")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _answers(port: int) -> bool:
    try:
        return _send(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def _parse(received: bytes) -> tuple[int, dict, dict]:
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, json.loads(body)


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400),
    ],
)
def test_a_request_gunicorn_refuses_gets_the_envelope(server, raw, status):
    code, headers, body = _parse(_send(server, raw))
    assert code == status and headers["content-type"] == "application/json"
    assert body["code"] == status and isinstance(body["message"], str)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert b"aaaa" not in json.dumps(body).encode()  # the request is never echoed


def test_a_non_ascii_header_reaches_the_app_and_gets_its_400(server):
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nIf-Match: \xc3\xa9\xff\r\n\r\n"
    code, headers, body = _parse(_send(server, raw))
    assert code == 400 and body["errors"] == {"If-Match": ["Only ASCII characters are allowed."]}
    assert headers["referrer-policy"] == "no-referrer"

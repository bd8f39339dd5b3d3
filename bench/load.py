"""A closed-loop HTTP load generator: N client threads, each sending its next request as soon as
the previous answer is read, over loopback with http.client.

http.client reconnects by itself when a server closes the connection (gunicorn's sync workers do
after every response), so both targets pay the same connection costs.
"""

import http.client
import json
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_request(
    method: str,
    path: str,
    body: object = None,
    token: str | None = None,
    if_match: str | None = None,
) -> Request:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if if_match:
        headers["If-Match"] = if_match
    return Request(method, path, json.dumps(body).encode() if body is not None else b"", headers)


class Client:
    """One keep-alive connection to one port, for sequential use by one thread."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, request: Request) -> tuple[int, bytes]:
        self.connection.request(request.method, request.path, request.body, request.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def send_json(self, request: Request, expect: int) -> dict:
        return self.send_json_tagged(request, expect)[0]

    def send_json_tagged(self, request: Request, expect: int) -> tuple[dict, str | None]:
        """The answer and its ETag header (None when it has none)."""
        self.connection.request(request.method, request.path, request.body, request.headers)
        response = self.connection.getresponse()
        status, body = response.status, response.read()
        if status != expect:
            raise RuntimeError(f"{request.method} {request.path}: {status} {body[:300]!r}")
        return json.loads(body), response.getheader("ETag")

    def close(self) -> None:
        self.connection.close()


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, successful requests only
    elapsed: float
    errors: int
    first_error: str | None
    # CPU seconds this process (the load generator) spent during the run: on a shared machine it
    # is taken from the servers, so it is reported next to the figures.
    client_cpu: float

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_closed_loop(
    port: int,
    request_for: Callable[[int], Request],
    *,
    clients: int,
    requests_per_client: int,
    time_limit: float,
    expect: int,
) -> LoadResult:
    """Every client sends `requests_per_client` requests (or stops at `time_limit`).

    `request_for(client_index)` gives each client its request (e.g. its own bearer token).
    """
    start = threading.Barrier(clients + 1)
    per_client: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    deadline = 0.0  # set just before the start; the threads read it only after the barrier

    def loop(index: int) -> None:
        client = Client(port)
        request = request_for(index)
        samples = per_client[index]
        start.wait()
        try:
            for _ in range(requests_per_client):
                sent = time.perf_counter()
                try:
                    status, body = client.send(request)
                except (OSError, http.client.HTTPException) as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    break  # a failed round is reported as such, not retried
                answered = time.perf_counter()
                if status == expect:
                    samples.append(answered - sent)
                else:
                    errors.append(f"{status} {body[:200]!r}")
                if answered > deadline:
                    break
        finally:
            client.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + time_limit
    began, cpu = time.perf_counter(), _cpu_seconds()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    latencies = [sample for samples in per_client for sample in samples]
    return LoadResult(latencies, elapsed, len(errors), errors[0] if errors else None, cpu)

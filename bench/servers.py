"""The servers under test, as real subprocesses, and stopping exactly the ones we started."""

import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.environment import BIN, ROOT, BenchEnv

STOP_GRACE_SECONDS = 15.0


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log_path: Path
    port: int | None = None

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}; see {self.log_path}"
            )

    def stop(self) -> None:
        """SIGTERM (gunicorn and Celery then stop their own children), SIGKILL if that hangs.

        Each server runs in a session of its own, so its process group holds only it and the
        children it forked: the fallback kills those and nothing else.
        """
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(
    name: str, command: list[str], env: BenchEnv, log_dir: Path, extra: dict | None = None
) -> Server:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**env.server_env(), **(extra or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, process, log_path)


def start_gunicorn(name: str, app: str, env: BenchEnv, log_dir: Path) -> Server:
    """Both HTTP targets get the same settings: 2 sync workers on a free loopback port."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app]
    # gunicorn 27 opens a control socket, by default at one fixed path per user: give each of
    # ours its own, so the two do not take it from each other or from a `make run` nearby.
    command += ["--control-socket", str(log_dir / f"{name}.ctl")]
    server = _start(name, command, env, log_dir)
    server.port = port
    return server


def start_worker(env: BenchEnv, log_dir: Path, extra: dict[str, str] | None = None) -> Server:
    # bench.celery_app is the production worker's Celery app plus the no-op baseline task, so one
    # worker pool serves both. `extra`: settings of the worker alone (the notification sinks').
    command = [
        str(BIN / "celery"),
        "-A",
        "bench.celery_app",
        "worker",
        "--concurrency",
        "2",
        "--loglevel",
        "WARNING",
    ]
    return _start("worker", command, env, log_dir, extra)


def wait_http_ok(server: Server, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        server.check_alive()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not answer 200 on {path}; see {server.log_path}")
        time.sleep(0.2)


@dataclass
class Servers:
    api: Server
    bare: Server
    worker: Server

    def check_alive(self) -> None:
        for server in (self.api, self.bare, self.worker):
            server.check_alive()


@contextmanager
def running_servers(
    env: BenchEnv, log_dir: Path, worker_env: dict[str, str] | None = None
) -> Iterator[Servers]:
    """Starts the API, the bare app and the worker (with `worker_env` added to its environment);
    stops all three whatever happens."""
    with ExitStack() as stack:
        started = []
        for start in (
            lambda: start_gunicorn("api", "api.wsgi:app", env, log_dir),
            lambda: start_gunicorn("bare", "bench.bare_app:create_bare_app()", env, log_dir),
            lambda: start_worker(env, log_dir, worker_env),
        ):
            server = start()
            stack.callback(server.stop)
            started.append(server)
        servers = Servers(*started)
        wait_http_ok(servers.api, "/readyz")
        wait_http_ok(servers.bare, "/healthz")
        yield servers

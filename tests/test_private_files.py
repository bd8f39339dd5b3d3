"""Everything the processes write under var/ is the owner's only (config.PRIVATE_UMASK): the
SQLite database (with its journal), the embedded broker and the outbox messages, even when the
process was started with the usual umask 022."""

import os
import stat
import subprocess
import sys

from tests.conftest import ROOT

WRITE_EVERYTHING = """
from api import create_app
from workflow.notifications.channels.base import Outgoing
from workflow.notifications.channels.files import FileSmsChannel

app = create_app()
with app.extensions["celery"].connection_for_write() as connection:
    with connection.SimpleQueue("private-files-probe") as queue:
        queue.put({})  # the embedded broker creates its SQLite file
message = Outgoing("yh-n-1", "+8613900000001", "", "text", {})
assert FileSmsChannel(app.config["OUTBOX_DIR"]).send(message).outcome.value == "delivered"
"""


def _run(argv: list[str], var_dir) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(APP_ENV="embedded", YANHU_VAR_DIR=str(var_dir))
    subprocess.run(
        argv, cwd=ROOT, env=env, check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022)
    )


def test_databases_broker_and_outbox_are_the_owners_only(tmp_path):
    var_dir = tmp_path / "var"
    _run([sys.executable, "-m", "alembic", "upgrade", "head"], var_dir)
    _run([sys.executable, "-c", WRITE_EVERYTHING], var_dir)
    written = {path.relative_to(var_dir).as_posix(): path for path in var_dir.rglob("*")}
    assert {"yanhu.sqlite", "broker.sqlite", "outbox/sms/yh-n-1.json"} <= set(written)
    for name, path in [("var", var_dir), *written.items()]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{name} is {mode:o}"
        assert mode & 0o700 == (0o700 if path.is_dir() else 0o600), f"{name} is {mode:o}"

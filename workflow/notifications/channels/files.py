"""The embedded default: with no SMTP server or SMS provider configured, messages are written
under the outbox directory for a person to read. One file per reference, replaced whole on a
retry, so a repeat never adds a second copy and a reader never sees half a file."""

import contextlib
import json
import os
import tempfile
from pathlib import Path

from workflow.notifications.channels.base import Outcome, Outgoing, Result
from workflow.notifications.channels.email import prepare_email
from workflow.notifications.channels.sms import is_phone_number


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A dot name: a reader listing *.eml or *.json never picks up a file still being written.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _write(path: Path, data: bytes) -> Result:
    try:
        write_atomically(path, data)
    except OSError:
        return Result(Outcome.TEMPORARY, "file write failed")
    return Result(Outcome.DELIVERED, "written to outbox")


class FileEmailChannel:
    name = "email"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "email"

    def send(self, message: Outgoing) -> Result:
        prepared = prepare_email(message)
        if isinstance(prepared, Result):
            return prepared
        return _write(self.directory / f"{message.reference}.eml", prepared.as_bytes())


class FileSmsChannel:
    name = "sms"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "sms"

    def send(self, message: Outgoing) -> Result:
        if not is_phone_number(message.to):
            return Result(Outcome.PERMANENT, "malformed phone number")
        document = {"to": message.to, "text": message.text, "reference": message.reference}
        data = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
        return _write(self.directory / f"{message.reference}.json", data)

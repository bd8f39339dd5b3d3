"""Files kept under random names in one private directory, outside anything the API serves."""

import os
import secrets
from pathlib import Path


def store(directory: Path, data: bytes) -> str:
    """Writes `data` under a new random name (readable by this user only); returns the name."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    descriptor = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return name


def path_of(directory: Path, stored_name: str) -> Path:
    return directory / stored_name


def older_than(directory: Path, moment: float) -> list[str]:
    """The names of the files last written before `moment` (a POSIX time)."""
    if not directory.is_dir():
        return []
    return [
        entry.name
        for entry in os.scandir(directory)
        if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < moment
    ]


def discard(directory: Path, stored_name: str) -> None:
    """Removes a file whose row was never committed."""
    path_of(directory, stored_name).unlink(missing_ok=True)

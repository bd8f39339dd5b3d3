"""Who is acting: the identity a service needs, whichever edge (HTTP, worker, CLI) it came from."""

from dataclasses import dataclass

from workflow.lifecycle import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: Role
    window_code: str | None = None
    department_code: str | None = None


SYSTEM = Actor(user_id=None, role=Role.SYSTEM)

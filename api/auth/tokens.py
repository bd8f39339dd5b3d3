"""Bearer access tokens: short-lived signed JWTs naming the user, their role, window and
department, the user's token_version and the session (refresh token family) they belong to.

Every request checks the signature and expiry, then asks the database, in one primary-key
lookup, whether the user still exists, is active, has the same token_version (a password
change, deactivation, or a new role, window or department bumps it) and whether the session
was ended. So a change takes effect on the caller's next request, in every process.
"""

import time
from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app, request

from workflow.actors import Actor
from workflow.errors import Unauthorised
from workflow.lifecycle import Role
from workflow.models import User
from workflow.services.sessions import token_still_valid

ALGORITHM = "HS256"
# Checking a token's signature and claims costs about a third of a millisecond. A token that
# passed once passes again until it expires (the key is fixed for the process), so each
# process keeps what it read from the tokens it has checked, up to this many; the database
# check still runs on every request.
VERIFIED_TOKENS_KEPT = 10_000
_verified: dict[tuple[str, str], tuple[Actor, int, str, float]] = {}
# The worker acts as `system`; no person, and so no token, ever does.
TOKEN_ROLES = frozenset(Role) - {Role.SYSTEM}


def issue_token(user: User, family_id: str) -> tuple[str, int]:
    if user.role not in TOKEN_ROLES:
        raise Unauthorised("This account cannot log in.")
    ttl = current_app.config["ACCESS_TOKEN_TTL_SECONDS"]
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "win": user.window_code,
        "dep": user.department_code,
        "ver": user.token_version,
        "sid": family_id,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), ttl


_INVALID = "The access token is invalid or expired."


def _read(token: str) -> tuple[Actor, int, str, float]:
    key = (current_app.config["SECRET_KEY"], token)
    known = _verified.get(key)
    if known is not None and known[3] > time.time():
        return known
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": ["sub", "role", "ver", "sid", "exp"]},
        )
        role = Role(claims["role"])
        if role not in TOKEN_ROLES:
            raise ValueError(role)
        actor = Actor(
            user_id=int(claims["sub"]),
            role=role,
            window_code=claims.get("win"),
            department_code=claims.get("dep"),
        )
        read = (actor, int(claims["ver"]), str(claims["sid"]), claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        _verified.pop(key, None)
        raise Unauthorised(_INVALID) from error
    if len(_verified) >= VERIFIED_TOKENS_KEPT:
        _verified.clear()  # rare; the next requests verify again
    _verified[key] = read
    return read


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def signed_user_id() -> int | None:
    """The user a well-signed, unexpired token names, without asking the database: what request
    limits count by (the view checks the token fully). None without such a token."""
    token = _bearer()
    try:
        return _read(token)[0].user_id if token else None
    except Unauthorised:
        return None


# The checked caller is kept with the request, not in `g`: an application context outlives a
# request when one was already pushed (a command, a test harness), and the next request must
# never inherit this one's caller.
_CALLER = "yanhu.caller"


def current_session() -> str:
    """The session (refresh token family) of the caller's access token."""
    current_actor()
    return request.environ[_CALLER][1]


def current_actor() -> Actor:
    """The caller, from the Authorization header; 401 when absent, expired, tampered with, or
    issued before the account changed or the session ended."""
    known = request.environ.get(_CALLER)
    if known is not None:
        return known[0]
    token = _bearer()
    if token is None:
        raise Unauthorised("Send 'Authorization: Bearer <access_token>'.")
    actor, version, session_id, _ = _read(token)
    if not token_still_valid(actor.user_id, version, session_id):
        raise Unauthorised(_INVALID)
    request.environ[_CALLER] = (actor, session_id)
    return actor

"""Bearer access tokens: signed JWTs carrying the actor, checked on every request."""

import time
from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app, g, request

from workflow.actors import Actor
from workflow.errors import Unauthorised
from workflow.lifecycle import Role
from workflow.models import User

ALGORITHM = "HS256"
# Checking a token's signature and claims costs about a third of a millisecond, on every request.
# A token that passed once passes again until it expires (the key is fixed for the process), so
# each process keeps the actors of the tokens it has checked, with their expiry, up to this many.
VERIFIED_TOKENS_KEPT = 10_000
_verified: dict[tuple[str, str], tuple[Actor, float]] = {}


def issue_token(user: User) -> tuple[str, int]:
    ttl = current_app.config["ACCESS_TOKEN_TTL_SECONDS"]
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "win": user.window_code,
        "dep": user.department_code,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), ttl


def current_actor() -> Actor:
    """The caller, from the Authorization header; 401 when absent, expired or tampered with."""
    if "actor" in g:
        return g.actor
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorised("Send 'Authorization: Bearer <access_token>'.")
    key = (current_app.config["SECRET_KEY"], token)
    known = _verified.get(key)
    if known is not None and known[1] > time.time():
        g.actor = known[0]
        return known[0]
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            options={"require": ["sub", "role", "exp"]},
        )
        actor = Actor(
            user_id=int(claims["sub"]),
            role=Role(claims["role"]),
            window_code=claims.get("win"),
            department_code=claims.get("dep"),
        )
    except (jwt.PyJWTError, ValueError) as error:
        _verified.pop(key, None)
        raise Unauthorised("The access token is invalid or expired.") from error
    if len(_verified) >= VERIFIED_TOKENS_KEPT:
        _verified.clear()  # rare; the next requests verify again
    _verified[key] = (actor, claims["exp"])
    g.actor = actor
    return actor

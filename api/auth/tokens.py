"""Bearer access tokens: signed JWTs carrying the actor, checked on every request."""

from datetime import UTC, datetime, timedelta

import jwt
from flask import current_app, g, request

from workflow.actors import Actor
from workflow.errors import Unauthorised
from workflow.lifecycle import Role
from workflow.models import User

ALGORITHM = "HS256"


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
        raise Unauthorised("The access token is invalid or expired.") from error
    g.actor = actor
    return actor

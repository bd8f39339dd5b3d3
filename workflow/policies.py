"""What the request path and the worker need of a policy, cached per process for a short while.

Policies and windows change only when the district edits the seed data; reading them from the
database on every submission and every pre-check costs more than the rest of the work. A change
reaches every process within TERMS_TTL_SECONDS (at once in the process that re-seeds).

A policy version's route never changes once written, so `route_of` keeps versions without expiry.
"""

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Policy, Window
from workflow.repositories import policy_versions

TERMS_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class Stage:
    """One stage of a review route; its departments review in parallel.

    `sign` is "one" for a single department, "all" when every department must sign (会签) and
    "any" when one signature completes the stage (或签). Positions count from 0, as steps do.
    """

    position: int
    code: str
    departments: tuple[str, ...]
    sign: str
    working_days: int


@dataclass(frozen=True)
class RouteVersion:
    """What a case keeps of the policy version it started under."""

    route: tuple[Stage, ...]
    promised_working_days: int
    statutory_working_days: int


@dataclass(frozen=True)
class PolicyTerms:
    code: str
    form_fields: list
    eligibility_rules: list
    allows_multiple_open: bool
    version: int
    route: tuple[Stage, ...]
    promised_working_days: int
    statutory_working_days: int
    required_documents: list

    @property
    def review_departments(self) -> list[str]:
        """The route's departments in order, one after another (for the sequential casework)."""
        return [department for stage in self.route for department in stage.departments]


def stages_of(route: list[dict]) -> tuple[Stage, ...]:
    """A version's stored route as stages."""
    return tuple(
        Stage(
            position=position,
            code=stage["code"],
            departments=tuple(stage["departments"]),
            sign=stage["sign"],
            working_days=stage["working_days"],
        )
        for position, stage in enumerate(route)
    )


class _Cache:
    def __init__(self) -> None:
        self.loaded_at = float("-inf")
        self.policies: dict[str, PolicyTerms] = {}
        self.windows: frozenset[str] = frozenset()
        self.routes: dict[tuple[str, int], RouteVersion] = {}

    def fresh(self, session: OrmSession) -> "_Cache":
        if time.monotonic() - self.loaded_at > TERMS_TTL_SECONDS:
            self.policies = {p.code: _terms(p) for p in session.scalars(select(Policy))}
            for terms in self.policies.values():
                self.routes[(terms.code, terms.version)] = RouteVersion(
                    terms.route, terms.promised_working_days, terms.statutory_working_days
                )
            self.windows = frozenset(session.scalars(select(Window.code)))
            self.loaded_at = time.monotonic()
        return self


def _terms(policy: Policy) -> PolicyTerms:
    return PolicyTerms(
        code=policy.code,
        form_fields=policy.form_fields,
        eligibility_rules=policy.eligibility_rules,
        allows_multiple_open=policy.allows_multiple_open,
        version=policy.current_version,
        route=stages_of(policy.current.route),
        promised_working_days=policy.promised_working_days,
        statutory_working_days=policy.statutory_working_days,
        required_documents=policy.required_documents,
    )


_cache = _Cache()


def policy_terms(session: OrmSession, code: str) -> PolicyTerms | None:
    return _cache.fresh(session).policies.get(code)


def route_of(session: OrmSession, policy_code: str, version: int) -> tuple[Stage, ...]:
    """The route of one version of a policy, e.g. the one a case started under."""
    return version_terms(session, policy_code, version).route


def version_terms(session: OrmSession, policy_code: str, version: int) -> RouteVersion:
    """The route and day counts of one version of a policy.

    Raises LookupError when the policy has no such version.
    """
    key = (policy_code, version)
    terms = _cache.routes.get(key)
    if terms is None:
        row = policy_versions.get_version(session, policy_code, version)
        if row is None:
            raise LookupError(f"policy {policy_code!r} has no version {version}")
        terms = _cache.routes[key] = RouteVersion(
            stages_of(row.route), row.promised_working_days, row.statutory_working_days
        )
    return terms


def window_exists(session: OrmSession, code: str) -> bool:
    return code in _cache.fresh(session).windows


def forget_cached_terms() -> None:
    """Called after seeding; drops versions too (re-seeding is rare, and they reload cheaply)."""
    _cache.loaded_at = float("-inf")
    _cache.routes = {}

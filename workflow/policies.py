"""What the request path and the worker need of a policy, cached per process for a short while.

Policies and windows change only when the district edits the seed data; reading them from the
database on every submission and every pre-check costs more than the rest of the work. A change
reaches every process within TERMS_TTL_SECONDS (at once in the process that re-seeds).

A policy version never changes once written, so `version_terms` keeps versions without expiry.
"""

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Policy, PolicyVersion, Window
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
class VersionTerms:
    """What one version of a policy fixes for the cases filed under it: the form they answer,
    the documents and rules they are checked against, their route and their day counts."""

    version: int
    form_fields: list
    required_documents: list
    eligibility_rules: list
    route: tuple[Stage, ...]
    promised_working_days: int
    statutory_working_days: int

    @property
    def review_departments(self) -> list[str]:
        """The route's departments in order, one after another (for the sequential casework)."""
        return [department for stage in self.route for department in stage.departments]


@dataclass(frozen=True)
class PolicyTerms(VersionTerms):
    """A policy as a case filed now meets it: its current version's terms, and its own code and
    whether an applicant may have more than one case of it open."""

    code: str
    allows_multiple_open: bool


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
        self.versions: dict[tuple[str, int], VersionTerms] = {}

    def fresh(self, session: OrmSession) -> "_Cache":
        if time.monotonic() - self.loaded_at > TERMS_TTL_SECONDS:
            self.policies = {p.code: _terms(p) for p in session.scalars(select(Policy))}
            for terms in self.policies.values():
                self.versions[(terms.code, terms.version)] = terms
            self.windows = frozenset(session.scalars(select(Window.code)))
            self.loaded_at = time.monotonic()
        return self


def _version_terms(row: PolicyVersion) -> VersionTerms:
    return VersionTerms(
        version=row.version,
        form_fields=row.form_fields,
        required_documents=row.required_documents,
        eligibility_rules=row.eligibility_rules,
        route=stages_of(row.route),
        promised_working_days=row.promised_working_days,
        statutory_working_days=row.statutory_working_days,
    )


def _terms(policy: Policy) -> PolicyTerms:
    return PolicyTerms(
        **vars(_version_terms(policy.current)),
        code=policy.code,
        allows_multiple_open=policy.allows_multiple_open,
    )


_cache = _Cache()


def policy_terms(session: OrmSession, code: str) -> PolicyTerms | None:
    return _cache.fresh(session).policies.get(code)


def route_of(session: OrmSession, policy_code: str, version: int) -> tuple[Stage, ...]:
    """The route of one version of a policy, e.g. the one a case started under."""
    return version_terms(session, policy_code, version).route


def version_terms(session: OrmSession, policy_code: str, version: int) -> VersionTerms:
    """One version of a policy: what a case filed under it is checked and reviewed by.

    Raises LookupError when the policy has no such version.
    """
    key = (policy_code, version)
    terms = _cache.versions.get(key)
    if terms is None:
        row = policy_versions.get_version(session, policy_code, version)
        if row is None:
            raise LookupError(f"policy {policy_code!r} has no version {version}")
        terms = _cache.versions[key] = _version_terms(row)
    return terms


def case_terms(session: OrmSession, case) -> VersionTerms:
    """The terms `case` was filed under."""
    return version_terms(session, case.policy_code, case.policy_version)


def window_exists(session: OrmSession, code: str) -> bool:
    return code in _cache.fresh(session).windows


def forget_cached_terms() -> None:
    """Called after seeding; drops versions too (re-seeding is rare, and they reload cheaply)."""
    _cache.loaded_at = float("-inf")
    _cache.versions = {}

"""What the request path and the worker need of a policy, cached per process for a short while.

Policies and windows change only when the district edits the seed data; reading them from the
database on every submission and every pre-check costs more than the rest of the work. A change
reaches every process within TERMS_TTL_SECONDS (at once in the process that re-seeds).
"""

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Policy, Window

TERMS_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class PolicyTerms:
    code: str
    form_fields: list
    eligibility_rules: list
    review_departments: list
    allows_multiple_open: bool


class _Cache:
    def __init__(self) -> None:
        self.loaded_at = float("-inf")
        self.policies: dict[str, PolicyTerms] = {}
        self.windows: frozenset[str] = frozenset()

    def fresh(self, session: OrmSession) -> "_Cache":
        if time.monotonic() - self.loaded_at > TERMS_TTL_SECONDS:
            self.policies = {
                p.code: PolicyTerms(
                    p.code,
                    p.form_fields,
                    p.eligibility_rules,
                    p.review_departments,
                    p.allows_multiple_open,
                )
                for p in session.scalars(select(Policy))
            }
            self.windows = frozenset(session.scalars(select(Window.code)))
            self.loaded_at = time.monotonic()
        return self


_cache = _Cache()


def policy_terms(session: OrmSession, code: str) -> PolicyTerms | None:
    return _cache.fresh(session).policies.get(code)


def window_exists(session: OrmSession, code: str) -> bool:
    return code in _cache.fresh(session).windows


def forget_cached_terms() -> None:
    _cache.loaded_at = float("-inf")

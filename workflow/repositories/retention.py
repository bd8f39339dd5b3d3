"""The rows the retention job erases: closed cases past their period, what hangs off them, and
applicant accounts left with nothing."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, exists, func, select, tuple_, update
from sqlalchemy.orm import Session as OrmSession

from workflow.lifecycle import Role
from workflow.models import (
    Application,
    Document,
    Event,
    IdempotencyKey,
    IdentityClaim,
    Notification,
    PersonalDataAccess,
    RefreshToken,
    Step,
    User,
)  # fmt: skip
from workflow.models.identity_claim import OPEN


def lock_closed_before(
    session: OrmSession,
    statuses: frozenset,
    cutoff: datetime,
    limit: int,
    leave: Collection[int] = (),
    only: Collection[int] | None = None,
) -> list[Application]:
    """Closed cases not changed since `cutoff` and not yet anonymised, oldest first, locked:
    a second run at the same time skips them (SKIP LOCKED; SQLite has one writer anyway).
    Never the ids in `leave`; among the ids in `only` when given."""
    query = select(Application).where(
        Application.status.in_([str(status) for status in statuses]),
        Application.anonymised_at.is_(None),
        Application.updated_at < cutoff,
    )
    if leave:
        query = query.where(Application.id.not_in(list(leave)))
    if only is not None:
        query = query.where(Application.id.in_(list(only)))
    return list(
        session.scalars(
            query.order_by(Application.id).limit(limit).with_for_update(skip_locked=True)
        )
    )


def events_of(session: OrmSession, case_ids: list[int]) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.application_id.in_(case_ids))))


def erase_around_cases(session: OrmSession, cases: list[Application]) -> list[str]:
    """Erase what names the applicants beside the cases themselves; returns the stored names of
    the deleted documents, whose files go once this transaction has committed."""
    case_ids = [case.id for case in cases]
    stored_names = list(
        session.scalars(
            delete(Document)
            .where(Document.application_id.in_(case_ids))
            .returning(Document.stored_name)
        )
    )
    # Their first responses repeat the submitted form.
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.application_id.in_(case_ids)))
    session.execute(update(Step).where(Step.application_id.in_(case_ids)).values(comment=None))
    # An access record keeps whose data was read and by whom, no longer in which case.
    session.execute(
        update(PersonalDataAccess)
        .where(PersonalDataAccess.application_id.in_(case_ids))
        .values(application_id=None)
    )
    # The messages about the cases keep kind, channel, status and times, not their words (a
    # correction notice lists the clerk's items); those to the applicant no longer say to whom.
    session.execute(
        update(Notification)
        .where(Notification.application_id.in_(case_ids))
        .values(body={"erased": True})
    )
    session.execute(
        update(Notification)
        .where(
            Notification.recipient_type == "user",
            tuple_(Notification.application_id, Notification.recipient).in_(
                [(case.id, str(case.applicant_id)) for case in cases]
            ),
        )
        .values(recipient="")
    )
    return stored_names


def lock_dormant_applicants(
    session: OrmSession,
    cutoff: datetime,
    limit: int,
    leave: Collection[int] = (),
    only: Collection[int] | None = None,
) -> list[User]:
    """Applicant accounts registered before `cutoff`, not signed in since, with no case left
    linked to them (open, or closed and still in its period) and no identity claim waiting;
    locked, skipping those another run holds. `leave` and `only` as for lock_closed_before."""
    last_used = func.coalesce(User.last_signed_in_at, User.created_at)
    query = select(User).where(
        User.role == str(Role.APPLICANT),
        User.anonymised_at.is_(None),
        User.created_at < cutoff,
        last_used < cutoff,
        ~exists().where(Application.applicant_id == User.id),
        ~exists().where(IdentityClaim.claimant_id == User.id, IdentityClaim.status == OPEN),
    )
    if leave:
        query = query.where(User.id.not_in(list(leave)))
    if only is not None:
        query = query.where(User.id.in_(list(only)))
    return list(
        session.scalars(query.order_by(User.id).limit(limit).with_for_update(skip_locked=True))
    )


def prune_refresh_tokens(session: OrmSession, expired_before: datetime) -> int:
    """Refresh tokens long expired: refused anyway, and any access token of theirs is too."""
    result = session.execute(delete(RefreshToken).where(RefreshToken.expires_at < expired_before))
    return result.rowcount


def erase_around_accounts(session: OrmSession, user_ids: list[int]) -> None:
    session.execute(delete(RefreshToken).where(RefreshToken.user_id.in_(user_ids)))
    session.execute(delete(IdentityClaim).where(IdentityClaim.claimant_id.in_(user_ids)))

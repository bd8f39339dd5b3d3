"""Retention: a closed case keeps its personal data for RETENTION_DAYS after its last change
(its conclusion, or the rating that follows), then a daily job erases it and keeps what counts
for statistics: policy, window, statuses, dates, deadlines, rating, the form's categorical
answers (choices, yes/no, numbers; a date as its year) and the codes of what a correction
notice asked for. Free text (comments, the notice's wording, the messages' words), the link to
the applicant's account, the documents, and in the audit trail who acted for the applicant go;
the audit chain still verifies (workflow/audit.py).

An applicant account with no case left linked to it, registered and last signed in before the
period, is emptied too: name, phone, identity number, email; it can no longer log in. Expired
refresh tokens are deleted on the way.

Each batch is one transaction over rows locked with SKIP LOCKED, so two runs at once never take
the same row; a document's file is removed once its row's deletion has committed. A batch that
fails is taken again row by row, so one case or account that cannot be erased (an error in its
data, say) does not hold back the others: it is left for the next run, logged by its reference
or id, and raised once as an alert for admins. A database that is down fails the run instead,
for the task to retry it. Files in the documents folder that no row names (an upload or a run
that died half-way) go too.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session as OrmSession

from workflow.audit import ERASABLE, redact
from workflow.db import Session
from workflow.documents import storage
from workflow.lifecycle import TERMINAL, Role, Status
from workflow.models import Application, User
from workflow.models._types import utcnow
from workflow.policies import case_terms
from workflow.repositories import alerts, documents, retention

log = logging.getLogger(__name__)

CLOSED = TERMINAL | {Status.CONCLUDED}
# Form answers are kept by their field's type (statistics_of); a date keeps its year.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Who acted is kept for staff (accountability), erased where it was the applicant.
_STAFF_ACTED = tuple(name for name in ERASABLE if name != "actor_id")
# An upload writes its file before its row commits, within seconds: older files with no row are
# left over. Looked up this many names per statement.
ORPHAN_GRACE = timedelta(hours=1)
ORPHAN_BATCH = 500


@dataclass(frozen=True)
class RetentionRules:
    days: int
    documents_dir: Path
    batch: int = 200


@dataclass(frozen=True)
class _Erasable:
    """Cases or accounts: how to lock the next ones past their period (the `limit` oldest, or
    those among `only`, never those in `leave`), erase and commit them, and name one in a log
    line or an alert without its personal data (a case's reference, an account's id)."""

    noun: str
    lock: Callable[..., list]
    erase: Callable[[OrmSession, list], int]
    name: Callable[[object], str]


def anonymise_expired(rules: RetentionRules, now: datetime | None = None) -> dict:
    """Erase every case and account whose period has ended; returns how many of each (and of
    those left for the next run), of the expired refresh tokens deleted and of the orphan
    files removed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=rules.days)
    session = Session()
    counts = {"refresh_tokens": retention.prune_refresh_tokens(session, now)}
    session.commit()
    cases = _Erasable(
        "case",
        lambda session, **which: retention.lock_closed_before(session, CLOSED, cutoff, **which),
        lambda session, rows: _erase_cases(rules, session, rows),
        lambda case: case.reference,
    )
    accounts = _Erasable(
        "account",
        lambda session, **which: retention.lock_dormant_applicants(session, cutoff, **which),
        _erase_accounts,
        lambda user: f"#{user.id}",
    )
    # Accounts after cases: an account is dormant only once its last case has let it go.
    for kind, erasable in (("cases", cases), ("accounts", accounts)):
        left: set[int] = set()  # rows that failed alone: the next run tries them again
        counts[kind] = 0
        while (erased := _next_batch(erasable, rules.batch, left)) is not None:
            counts[kind] += erased
        counts[f"{kind}_left"] = len(left)
    counts["orphan_files"] = remove_orphan_files(rules.documents_dir, now)
    if any(counts.values()):
        log.info("retention: anonymised %s", counts)
    return counts


def _next_batch(erasable: _Erasable, batch: int, left: set[int]) -> int | None:
    """Erases the next batch; how many it erased, or None when none is left to try. A batch that
    fails is taken again one row at a time, so one row that cannot be erased holds back no
    other; a database that is away fails the run instead, for the task to retry it."""
    session = Session()
    rows = erasable.lock(session, limit=batch, leave=left)
    if not rows:
        session.rollback()
        return None
    ids = [row.id for row in rows]
    try:
        return erasable.erase(session, rows)
    except OperationalError:
        session.rollback()
        raise
    except Exception:  # which row is at fault is found by taking them one at a time
        session.rollback()
    erased = 0
    for row_id in ids:
        session = Session()
        rows = erasable.lock(session, limit=1, only=[row_id])
        if not rows:  # erased meanwhile by another run
            session.rollback()
            continue
        name = erasable.name(rows[0])
        try:
            erased += erasable.erase(session, rows)
        except OperationalError:
            session.rollback()
            raise
        except Exception as error:
            session.rollback()
            left.add(row_id)
            _report_left(erasable.noun, name, error)
    return erased


def _report_left(noun: str, name: str, error: Exception) -> None:
    # The error's class only: its text may quote the data being erased.
    kind = type(error).__name__
    log.error("retention: %s %s left for the next run: %s", noun, name, kind)
    session = Session()
    alerts.add_once(
        session,
        "retention_failed",
        name,
        f"The personal data of {noun} {name} could not be erased ({kind}); the retention job"
        " leaves it and tries it again on its next run.",
    )
    session.commit()


def _erase_cases(rules: RetentionRules, session, cases: list[Application]) -> int:
    """The locked cases' personal data, erased and committed; then their documents' files."""
    stored_names = retention.erase_around_cases(session, cases)
    for event in retention.events_of(session, [case.id for case in cases]):
        redact(event, ERASABLE if event.actor_role == str(Role.APPLICANT) else _STAFF_ACTED)
    now = utcnow()
    for case in cases:
        case.form = statistics_of(session, case)
        case.correction_items = [
            {key: item[key] for key in ("code", "field") if key in item}
            for item in case.correction_items or []
        ]
        case.applicant_id, case.anonymised_at = None, now
    session.commit()
    for name in stored_names:
        try:
            storage.discard(rules.documents_dir, name)
        except OSError as error:  # one file that will not go does not keep the others
            log.warning("retention: document file %s left: %s", name, type(error).__name__)
    return len(cases)


def remove_orphan_files(directory: Path, now: datetime) -> int:
    """Deletes the files in the documents folder that no document row names, written over
    ORPHAN_GRACE ago: left by an upload whose process died before its commit, or by a run of
    this job that died between its commit and the files' removal. Younger files may belong to
    an upload still in progress."""
    names = storage.older_than(directory, (now - ORPHAN_GRACE).timestamp())
    session = Session()
    orphans = []
    for start in range(0, len(names), ORPHAN_BATCH):
        chunk = names[start : start + ORPHAN_BATCH]
        orphans += sorted(set(chunk) - documents.stored_among(session, chunk))
    session.rollback()
    for name in orphans:
        try:
            storage.discard(directory, name)
        except OSError as error:
            log.warning("retention: orphan file %s left: %s", name, type(error).__name__)
    return len(orphans)


def statistics_of(session, case: Application) -> dict:
    """The answers of the case's form that say nothing about who the applicant is, read by the
    form the case was filed on: an answer is kept only if it is a value its field's type can
    hold (one of a choice's values, a yes/no, a number, a date's year), so nothing typed into a
    free-text field survives, whatever the stored form holds."""
    specs = {spec["name"]: spec for spec in case_terms(session, case).form_fields}
    kept = {}
    for name, value in (case.form or {}).items():
        if name in specs and (answer := _statistic(specs[name], value)) is not None:
            kept[name] = answer
    return kept


def _statistic(spec: dict, value: object) -> object | None:
    match spec["type"]:
        case "choice":
            choices = {choice["value"] for choice in spec.get("choices", [])}
            return value if isinstance(value, str) and value in choices else None
        case "boolean":
            return value if isinstance(value, bool) else None
        case "integer" | "number":
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            return value if is_number else None
        case "date":
            is_date = isinstance(value, str) and _DATE.fullmatch(value)
            return value[:4] if is_date else None
    return None


def _erase_accounts(session: OrmSession, users: list[User]) -> int:
    retention.erase_around_accounts(session, [user.id for user in users])
    now = utcnow()
    for user in users:
        _empty(user, now)
    session.commit()
    return len(users)


def _empty(user: User, now: datetime) -> None:
    user.name, user.email = "", None
    user.phone = user.id_number = user.phone_hash = user.id_number_hash = None
    user.phone_code_hash = user.phone_code_expires_at = None
    # Nothing can log in as it again: no password matches an empty hash, no token its version.
    user.password_hash, user.active = "", False
    user.token_version += 1
    user.anonymised_at = now

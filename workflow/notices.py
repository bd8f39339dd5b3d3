"""Which change tells whom: notification rows written in the same transaction as the change.

Rows are unique per (event, recipient, channel), so a change replayed cannot notify twice (I3).
Bodies carry the case reference and status, never personal data.
"""

from sqlalchemy import insert
from sqlalchemy.orm import Session as OrmSession

from workflow.lifecycle import Action
from workflow.models import Application, Event, Notification

WINDOW, USER, DEPARTMENT = "window", "user", "department"

TITLES = {
    "case_arrived": ("新办件待受理", "A new case is waiting at your window"),
    "case_routed": ("您的申报已转至受理窗口", "Your application has reached its service window"),
    "correction_requested": ("请补正申报材料", "Please correct your application"),
    "case_not_accepted": ("您的申报不予受理", "Your application was not accepted"),
    "case_accepted": ("您的申报已受理", "Your application was accepted"),
    "review_assigned": ("新的审核任务", "A case is waiting for your department's review"),
    "case_decided": ("申报已有审核结果", "A decision has been made on the case"),
    "case_withdrawn": ("申报已撤回", "The applicant withdrew the case"),
}


def _recipients(
    case: Application, action: str, department: str | None
) -> list[tuple[str, str, str]]:
    applicant = (USER, str(case.applicant_id))
    window = (WINDOW, case.window_code)
    match Action(action):
        case Action.ROUTE:
            return [(*window, "case_arrived"), (*applicant, "case_routed")]
        case Action.REQUEST_CORRECTION:
            return [(*applicant, "correction_requested")]
        case Action.NOT_ACCEPT:
            return [(*applicant, "case_not_accepted")]
        case Action.OPEN_REVIEW | Action.PASS_STEP:
            notices = [(DEPARTMENT, department, "review_assigned")] if department else []
            if action == Action.OPEN_REVIEW:
                notices.append((*applicant, "case_accepted"))
            return notices
        case Action.APPROVE | Action.REJECT:
            return [(*applicant, "case_decided"), (*window, "case_decided")]
        case Action.WITHDRAW:
            return [(*window, "case_withdrawn")]
    return []


def notify_change(
    session: OrmSession, case: Application, event: Event, department: str | None = None
) -> list[Notification]:
    """Add the notifications `event` calls for (`department`: the step that just opened)."""
    rows = [
        Notification(event=event, **values)
        for values in notification_values(case, event.action, department)
    ]
    session.add_all(rows)
    return rows


def notification_values(
    case: Application, action: str, department: str | None = None
) -> list[dict]:
    """Column values of the notifications a change calls for, without the event id (the status
    and the time are the columns' defaults)."""
    rows = []
    for recipient_type, recipient, kind in _recipients(case, action, department):
        title_zh, title_en = TITLES[kind]
        body = {
            "title_zh": title_zh,
            "title_en": title_en,
            "reference": case.reference,
            "policy_code": case.policy_code,
            "status": case.status,
        }
        if kind == "correction_requested":
            body["items"] = case.correction_items
        rows.append(
            {
                "application_id": case.id,
                "recipient_type": recipient_type,
                "recipient": recipient,
                "channel": "in_app",
                "kind": kind,
                "body": body,
            }
        )
    return rows


def insert_notifications(session: OrmSession, rows: list[dict]) -> None:
    """Many notifications in one statement (rows from notification_values, with event_id)."""
    if rows:
        session.execute(insert(Notification.__table__), rows)

"""Who is told what: the notification rows a transition calls for (its row's `notify`).

Written in the same transaction as the change (by workflow/transitions.py) and unique per
(event, recipient, channel), so a change replayed cannot notify twice (I3). Bodies carry the case
reference and status, never personal data.
"""

from workflow.lifecycle import APPLICANT, ASSIGNEE, DEPARTMENT, HEADS, TALENT_OFFICE, WINDOW
from workflow.models import Application

# Recipient types as stored (a department's queue, a window's queue, one person).
USER = "user"

TITLES = {
    "case_arrived": ("新办件待受理", "A new case is waiting at your window"),
    "case_routed": ("您的申报已转至受理窗口", "Your application has reached its service window"),
    "correction_requested": ("请补正申报材料", "Please correct your application"),
    "case_not_accepted": ("您的申报不予受理", "Your application was not accepted"),
    "case_accepted": ("您的申报已受理", "Your application was accepted"),
    "review_assigned": ("新的审核任务", "A case is waiting for your department's review"),
    "case_returned": ("办件退回重审", "A case was returned to your department's step"),
    "assigned": ("办件已指派给您", "A case was assigned to you"),
    "case_decided": ("申报已有审核结果", "A decision has been made on the case"),
    "case_withdrawn": ("申报已撤回", "The applicant withdrew the case"),
    "case_expired": (
        "办件已终止（逾期未补正或未履行承诺）",
        "The case ended: a deadline was not met",
    ),
    "special_procedure_started": ("办件进入特别程序", "A special procedure has started"),
    "special_procedure_ended": ("特别程序结束", "The special procedure has ended"),
    "case_suspended": ("办件已中止", "The case is suspended"),
    "case_resumed": ("办件已恢复办理", "The case has resumed"),
    "deadline_extended": ("办理期限已延长", "The deadline has been extended"),
    "case_concluded": ("办件已办结", "The case is concluded"),
    "rating_received": ("收到服务评价", "The applicant rated the service"),
    "deadline_yellow": ("办件临近办理期限", "A case is close to its deadline"),
    "deadline_red": ("办件已超期（督办）", "A case is past its deadline (escalated)"),
}


def _addresses(case: Application, recipient: str, data: dict) -> list[tuple[str, str]]:
    """(recipient type, address) pairs: a department notice goes to the stage just opened."""
    if recipient == APPLICANT:
        return [(USER, str(case.applicant_id))]
    if recipient == WINDOW:
        return [(WINDOW, case.window_code)]
    if recipient == DEPARTMENT:
        return [(DEPARTMENT, code) for code in data.get("departments", ())]
    if recipient == ASSIGNEE:  # the person just assigned, or those working on the case
        people = [data["assignee"]] if data.get("assignee") else data.get("assignees", ())
        return [(USER, str(person)) for person in people]
    if recipient == HEADS:
        return [(USER, str(person)) for person in data.get("heads", ())]
    if recipient == TALENT_OFFICE:
        return [(DEPARTMENT, "talent_office")]
    raise ValueError(f"unknown recipient {recipient!r}")


def notification_values(
    case: Application, notify: tuple[tuple[str, str], ...], data: dict
) -> list[dict]:
    """Column values of the notifications, without the event and case ids (the writer adds
    them; the status and the time are the columns' defaults)."""
    rows = []
    for recipient, kind in notify:
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
        for recipient_type, address in _addresses(case, recipient, data):
            rows.append(
                {
                    "recipient_type": recipient_type,
                    "recipient": address,
                    "channel": "in_app",
                    "kind": kind,
                    "body": body,
                }
            )
    return rows

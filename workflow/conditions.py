"""A case's basic conditions, each failure a correction item, all listed at once (一次性告知):
the applicant's identity number, one open or granted case per policy, the rules, and the required
documents that have not been uploaded for the case; rules and documents are those of the policy
version the case was filed under.

The worker's pre-check and a window's correction notice both list them from here.
"""

import datetime as dt

from workflow.eligibility import failed_rules
from workflow.identity import age_on, normalise_id_number
from workflow.models import Application, User
from workflow.policies import VersionTerms


def _item(code: str, field: str, message_zh: str, message_en: str) -> dict:
    return {"code": code, "field": field, "message_zh": message_zh, "message_en": message_en}


def missing_document(document: dict) -> dict:
    """The correction item asking for one of the policy's documents."""
    return _item(
        f"document_missing:{document['code']}",
        f"documents.{document['code']}",
        f"请补交：{document['name_zh']}",
        f"Please provide: {document['name_en']}",
    )


def case_problems(
    case: Application,
    terms: VersionTerms,
    applicant: User,
    today: dt.date,
    provided: set[str],
    earliest_open: tuple[int, str] | None = None,
) -> list[dict]:
    """Every condition `case` fails. `provided`: the codes of the documents uploaded for it (a
    required one missing is an item; a secondary one is the window's call: 容缺受理).
    `earliest_open`: the (id, reference) of the applicant's earliest open or granted case for
    the policy, where the check is wanted (the policy allows one such case only)."""
    problems = []
    id_number = normalise_id_number(applicant.id_number or "")
    if id_number is None:
        problems.append(
            _item(
                "id_number_invalid",
                "applicant.id_number",
                "申请人身份证号码无效（长度、出生日期或校验位不符）",
                "The applicant's identity number is not valid (length, birth date or check digit).",
            )
        )
    # The earliest case wins, so two cases checked at once cannot both be sent back.
    if earliest_open is not None:
        first_id, first_reference = earliest_open
        if first_id < case.id:
            problems.append(
                _item(
                    "open_case_exists",
                    "policy_code",
                    f"您已有一件同类申报正在办理或已获批准（{first_reference}）",
                    f"You already have an open or granted application for this policy "
                    f"({first_reference}).",
                )
            )
    facts = {"age": age_on(id_number, today) if id_number else None}
    problems.extend(failed_rules(terms.eligibility_rules, case.form, facts))
    problems.extend(
        missing_document(document)
        for document in terms.required_documents
        if document.get("required") and document["code"] not in provided
    )
    return problems

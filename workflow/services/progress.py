"""Public progress lookup (办件进度查询): no account, so the caller proves they know the case by
its reference and the last six characters of the applicant's identity number."""

import hmac
import re

from workflow.db import Session
from workflow.errors import NotFound
from workflow.models import Application
from workflow.repositories.progress import get_case_and_id_number

# Day of birth (2 digits), sequence (3) and check character (digit or X): ASCII only.
_LAST6 = re.compile(r"[0-9]{5}[0-9X]")
# One message for every failure, so a caller learns nothing about which part was wrong.
NOT_FOUND_MESSAGE = "No case matches this reference and identity number."


def look_up_progress(reference: str, id_last6: str | None) -> Application:
    """The case, when `id_last6` matches its applicant; NotFound otherwise, whatever was wrong."""
    given = (id_last6 or "").upper()
    found = get_case_and_id_number(Session(), reference) if _LAST6.fullmatch(given) else None
    case, id_number = found or (None, None)
    expected = (id_number or "")[-6:].upper()
    # Constant time: how long the comparison takes does not tell how much of a guess was right.
    matches = hmac.compare_digest(expected.encode(), given.encode())
    if case is None or not matches:
        raise NotFound(NOT_FOUND_MESSAGE)
    return case

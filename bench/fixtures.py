"""Applicants and forms the real validation accepts."""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from sqlalchemy import insert, select
from stdnum.cn import ric

from bench.load import Client, json_request
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Notification, User
from workflow.models._types import utcnow
from workflow.notifications import PHONE_CODE
from workflow.notifications.account_notices import text_to_send
from workflow.personal_fields import normalise_phone
from workflow.repositories.reference import get_user_by_phone
from workflow.services.accounts import create_staff_user

PASSWORD = "bench-password-1"
# Yanhu District's own region code: the precheck insists on a known region.
REGION = "140802"
POLICY = "transport"
WINDOW = "W01"


class Identities:
    """Distinct, valid (phone, identity number) pairs; a random start keeps reruns on a kept
    database from colliding."""

    def __init__(self) -> None:
        self._next = secrets.randbelow(10**6)

    def take(self) -> tuple[str, str]:
        index = self._next
        self._next += 1
        born = date(1975, 1, 1) + timedelta(days=index % 9000)  # born 1975-1999
        body = f"{REGION}{born:%Y%m%d}{(index // 9000) % 1000:03d}"
        # calc_check_digit() expects a full number and ignores its last character.
        return f"13{index % 10**9:09d}", body + ric.calc_check_digit(body + "0")


@dataclass(frozen=True)
class Applicant:
    user_id: int
    token: str | None = None


def register_applicant(client: Client, identities: Identities) -> Applicant:
    """The way applicants get an account: POST /api/v1/auth/register (about 0.2 s of argon2),
    then POST /api/v1/auth/confirm-phone with the code its SMS carries."""
    phone, id_number = identities.take()
    body = {"phone": phone, "password": PASSWORD, "name": "Bench Applicant", "id_number": id_number}
    client.send_json(json_request("POST", "/api/v1/auth/register", body), expect=202)
    confirm = {"phone": phone, "code": sent_code(phone)}
    answer = client.send_json(
        json_request("POST", "/api/v1/auth/confirm-phone", confirm), expect=200
    )
    return Applicant(answer["user"]["id"], answer["access_token"])


def sent_code(phone: str) -> str:
    """The code of the phone's last one-time-code SMS, from its notification row (the text the
    phone gets; the worker may not have delivered it yet). The phone as typed or normalised."""
    session = Session()
    user = get_user_by_phone(session, normalise_phone(phone) or phone)
    body = session.scalars(
        select(Notification.body)
        .where(Notification.recipient == str(user.id), Notification.kind == PHONE_CODE)
        .order_by(Notification.id.desc())
    ).first()
    Session.remove()
    return re.search(r"\b([0-9]{6})\b", text_to_send(body)).group(1)


def create_staff(
    client: Client,
    username: str,
    role: Role,
    window: str | None = None,
    department: str | None = None,
) -> str:
    """A staff account made the way an operator makes one (the create-user command's service, in
    this process), then logged in; returns its token."""
    create_staff_user(username, PASSWORD, str(role), window_code=window, department_code=department)
    Session.remove()
    return log_in(client, username)


def log_in(client: Client, username: str) -> str:
    """POST /api/v1/auth/login with the bench's password; returns the access token."""
    body = {"username": username, "password": PASSWORD}
    answer = client.send_json(json_request("POST", "/api/v1/auth/login", body), expect=200)
    return answer["access_token"]


def insert_applicants(count: int, identities: Identities) -> list[int]:
    """Many applicants at once: the pipeline's, the route's and the step measurement's.

    Registration spends ~0.17 s in argon2 per applicant here, so thousands of them through the API
    would take most of the time budget; these rows are what registration writes (with one real
    argon2 hash, shared), inserted in one statement.
    """
    password_hash = PasswordHasher().hash(PASSWORD)
    confirmed_at = utcnow()
    rows = []
    for _ in range(count):
        phone, id_number = identities.take()
        rows.append(
            {
                "phone": phone,
                "password_hash": password_hash,
                "role": str(Role.APPLICANT),
                "name": "Bench Applicant",
                "id_number": id_number,
                "phone_confirmed_at": confirmed_at,
            }
        )
    session = Session()
    ids = list(session.scalars(insert(User).returning(User.id), rows))
    session.commit()
    return ids


def valid_form(policy: dict) -> dict:
    """A form that passes the policy's form_fields and its eligibility rules, built from what
    GET /api/v1/policies/<code> publishes (so a change of the seed data does not break the bench).
    """
    form = {spec["name"]: _value_for(spec) for spec in policy["form_fields"]}
    for rule in policy["eligibility_rules"]:
        source, _, name = rule["field"].partition(".")
        if source != "form":
            continue  # applicant facts (age): the generated applicants are 25-50
        value = rule["value"]
        match rule["op"]:
            case "eq":
                form[name] = value
            case "in":
                form[name] = value[0]
            case "min":
                form[name] = max(form[name], value)
            case "max":
                form[name] = min(form[name], value)
    return form


def _value_for(spec: dict) -> object:
    match spec["type"]:
        case "choice":
            return spec["choices"][0]["value"]
        case "string":
            return "Yanhu Bench Co."[: spec.get("max_length") or 100]
        case "integer" | "number":
            return spec.get("min") if spec.get("min") is not None else 1
        case "boolean":
            return False
        case "date":
            return "2024-03-01"
    raise ValueError(f"no generator for form field type {spec['type']!r}")

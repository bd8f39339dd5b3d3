"""Builders of real rows and requests: applicants, staff, valid forms, submitted cases, files."""

import io
import itertools
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import jwt
import yaml
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import delete, select
from stdnum.cn import ric

from bench.fixtures import sent_code
from config import SEED_DIR, TestConfig
from config.queues import TaskNames
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Application, OutboxMessage, Policy, PolicyVersion, User
from workflow.notifications.dispatch import dispatch_notices
from workflow.policies import policy_terms
from workflow.services.accounts import create_staff_user
from workflow.services.documents import DocumentRules, add_document
from workflow.services.precheck import precheck_cases
from workflow.services.seeding import seed_reference_data

PASSWORD = "correct-horse-42"
_seq = itertools.count(1)


def id_number(seq: int | None = None, birth: str = "19950501", region: str = "140802") -> str:
    """A valid resident identity number (Yanhu District region code by default)."""
    body = f"{region}{birth}{(seq if seq is not None else next(_seq)) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def register(client, seq: int | None = None, **overrides) -> tuple[str, int]:
    seq = seq if seq is not None else next(_seq)
    body = {
        "phone": f"139{seq:08d}",
        "password": PASSWORD,
        "name": "测试申请人",
        "id_number": id_number(seq),
        **overrides,
    }
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 202, response.json
    confirmed = confirm_phone(client, body["phone"])
    return confirmed["access_token"], confirmed["user"]["id"]


def confirm_phone(client, phone: str) -> dict:
    """Confirms the phone with the code its SMS carries; the answer's body (tokens)."""
    response = client.post(
        "/api/v1/auth/confirm-phone", json={"phone": phone, "code": sent_code(phone)}
    )
    assert response.status_code == 200, response.json
    return response.json


def staff(
    client,
    role: str,
    window: str | None = None,
    department: str | None = None,
    head=False,
    email: str | None = None,
) -> str:
    username = f"{role.replace('_', '-')}-{next(_seq)}"
    create_staff_user(
        username, PASSWORD, role, window_code=window, department_code=department,
        department_head=head, email=email,
    )  # fmt: skip
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def add_applicants(count: int) -> list[int]:
    """Applicant rows written directly, for tests that need many and never log them in."""
    session = Session()
    users = [
        User(username=f"bulk-{seq}", password_hash="not-a-hash", role="applicant", name="批量",
             id_number=id_number(seq))
        for seq in (next(_seq) for _ in range(count))
    ]  # fmt: skip
    session.add_all(users)
    session.commit()
    ids = [user.id for user in users]
    Session.remove()
    return ids


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


_SAMPLE = {"string": "样例", "integer": 12, "number": 3.5, "boolean": True, "date": "2026-01-05"}


def valid_form(policy: dict) -> dict:
    """A form that passes the policy's fields and every eligibility rule on form fields."""
    rules: dict[str, dict] = {}
    for rule in policy["eligibility_rules"]:
        rules.setdefault(rule["field"].removeprefix("form."), {})[rule["op"]] = rule["value"]
    form = {}
    for spec in policy["form_fields"]:
        kind, rule = spec["type"], rules.get(spec["name"], {})
        if "eq" in rule:
            value = rule["eq"]
        elif kind == "choice":
            value = rule["in"][0] if "in" in rule else spec["choices"][-1]["value"]
        elif kind in ("integer", "number"):
            low = max(spec.get("min", 0), rule.get("min", 0))
            high = min(spec.get("max", 10**6), rule.get("max", 10**6))
            value = max(low, min(high, _SAMPLE[kind]))
        else:
            value = _SAMPLE[kind]
        form[spec["name"]] = value
    return form


def submit(client, token: str, policy_code: str = "transport", window: str = "W01", form=None):
    if form is None:
        form = valid_form(client.get(f"/api/v1/policies/{policy_code}").json)
    return client.post(
        "/api/v1/applications",
        headers=auth(token),
        json={"policy_code": policy_code, "window_code": window, "form": form},
    )


def pdf_file(pages: int = 1) -> bytes:
    """A small, clean PDF."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_file(kind: str = "PNG", size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def upload(client, token: str, case_id: int, code: str, content: bytes | None = None,
           name: str = "scan.pdf"):  # fmt: skip
    """POST one document as a browser would (multipart/form-data)."""
    return client.post(
        f"/api/v1/applications/{case_id}/documents",
        headers=auth(token),
        data={
            "document_code": code,
            "file": (io.BytesIO(pdf_file() if content is None else content), name),
        },
        content_type="multipart/form-data",
    )


def required_documents(client, policy_code: str) -> list[str]:
    documents = client.get(f"/api/v1/policies/{policy_code}").json["required_documents"]
    return [d["code"] for d in documents if d["required"]]


def provide_documents(client, token: str, case_id: int, policy_code: str) -> None:
    """Upload one PDF for each document the policy requires, as the pre-check wants them."""
    for code in required_documents(client, policy_code):
        response = upload(client, token, case_id, code)
        assert response.status_code == 201, response.json


def submit_ready(client, token: str, policy_code: str = "transport", window: str = "W01",
                 form=None):  # fmt: skip
    """A case as an applicant files it to pass the pre-check: a draft, its required documents,
    then the action submit. Returns the answer to the submit (the case, now submitted)."""
    if form is None:
        form = valid_form(client.get(f"/api/v1/policies/{policy_code}").json)
    body = {"policy_code": policy_code, "window_code": window, "form": form, "draft": True}
    draft = client.post("/api/v1/applications", headers=auth(token), json=body)
    assert draft.status_code == 201, draft.json
    provide_documents(client, token, draft.json["id"], policy_code)
    submitted = act(client, token, draft.json["id"], "submit")
    assert submitted.status_code == 200, submitted.json
    return submitted


def add_documents(case_ids: list[int]) -> None:
    """What provide_documents uploads, through the service in this process: for cases made with
    submit_application directly (many of them, no HTTP)."""
    session = Session()
    cases = session.scalars(select(Application).where(Application.id.in_(case_ids))).all()
    owners = [(case.id, case.applicant_id, case.policy_code) for case in cases]
    Session.remove()
    rules = DocumentRules(
        Path(TestConfig.DOCUMENTS_DIR),
        TestConfig.DOCUMENT_MAX_BYTES,
        TestConfig.DOCUMENT_MAX_PIXELS,
    )
    content = pdf_file()
    for case_id, applicant_id, policy_code in owners:
        policy = policy_terms(Session(), policy_code)
        for document in policy.required_documents:
            if document["required"]:
                actor = Actor(applicant_id, Role.APPLICANT)
                add_document(actor, case_id, document["code"], "scan.pdf", content, rules)
        Session.remove()


def routed_case(client, policy_code: str = "transport", window: str = "W03") -> tuple[str, int]:
    """A new applicant's case, with its documents, pre-checked and at its window: (the
    applicant's token, case id)."""
    applicant, _ = register(client)
    case_id = submit_ready(client, applicant, policy_code, window).json["id"]
    run_precheck()
    return applicant, case_id


def run_precheck() -> dict:
    """What the worker does, in-process: pre-check every case whose outbox row is waiting."""
    session = Session()
    ids = list(
        session.scalars(select(OutboxMessage.id).where(OutboxMessage.processed_at.is_(None)))
    )
    Session.remove()
    result = precheck_cases(ids) if ids else {}
    Session.remove()
    return result


def act(client, token: str, case_id: int, action: str, **body):
    """POST an action as a person would: with the case's current ETag as If-Match."""
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(token))
    etag = shown.headers["ETag"] if shown.status_code == 200 else '"1"'
    return client.post(
        f"/api/v1/applications/{case_id}/actions",
        headers={**auth(token), "If-Match": etag},
        json={"action": action, **body},
    )


def user_id(token: str) -> int:
    """The user id a token was issued to."""
    return int(jwt.decode(token, options={"verify_signature": False})["sub"])


def run_dispatch() -> dict:
    """What the worker does, in-process: turn every waiting notice into notification rows."""
    session = Session()
    ids = list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.processed_at.is_(None),
                OutboxMessage.task == TaskNames.DISPATCH_NOTIFICATIONS,
            )
        )
    )
    Session.remove()
    result = dispatch_notices(ids) if ids else {}
    Session.remove()
    return result


def inbox(client, token: str, query: str = "") -> list[dict]:
    """The caller's notifications once the worker has dispatched every waiting notice."""
    run_dispatch()
    return client.get(f"/api/v1/notifications{query}", headers=auth(token)).json["items"]


@contextmanager
def changed_policy_seed(
    directory: Path, code: str, change: Callable[[dict], None]
) -> Iterator[tuple[Path, int]]:
    """A copy of seed/ in `directory` with policy `code` changed by `change` (in place): (the
    copy, the policy's current version). Not seeded here; afterwards the versions seeding it
    made are removed and the real seed files are loaded again."""
    seed_dir = directory / "seed"
    shutil.copytree(SEED_DIR, seed_dir)
    path = seed_dir / "policies.yaml"
    policies = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(p for p in policies if p["code"] == code))
    path.write_text(yaml.safe_dump(policies, allow_unicode=True), encoding="utf-8")
    before = Session().get(Policy, code).current_version
    Session.remove()
    try:
        yield seed_dir, before
    finally:
        Session.remove()  # whatever the block left open
        session = Session()
        session.execute(
            delete(PolicyVersion).where(
                PolicyVersion.policy_code == code, PolicyVersion.version > before
            )
        )
        session.commit()
        seed_reference_data(SEED_DIR)
        assert Session().get(Policy, code).current_version == before
        Session.remove()

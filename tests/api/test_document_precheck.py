"""The pre-check and a window's correction notice read the documents actually uploaded: each
required document missing is one item of the notice (一次性告知), listed once."""

from sqlalchemy import delete

from tests.factories import (
    act,
    auth,
    register,
    required_documents,
    routed_case,
    run_precheck,
    staff,
    submit,
    upload,
    valid_form,
)
from workflow.db import Session
from workflow.models import Document


def _missing(case: dict) -> set[str]:
    return {
        item["code"].removeprefix("document_missing:")
        for item in case["correction_items"]
        if item["code"].startswith("document_missing:")
    }


def test_the_precheck_sends_back_a_case_listing_each_required_document_not_uploaded(client):
    token, _ = register(client)
    required = required_documents(client, "household_registration")
    assert len(required) >= 2
    policy = client.get("/api/v1/policies/household_registration").json
    case_id = submit(client, token, "household_registration", "W03", valid_form(policy)).json["id"]
    assert upload(client, token, case_id, required[0]).status_code == 201
    assert run_precheck()["returned"] == 1
    case = client.get(f"/api/v1/applications/{case_id}", headers=auth(token)).json
    assert case["status"] == "correction_requested"
    # Every required one not uploaded; the secondary household_register is the window's call.
    assert _missing(case) == set(required[1:])
    assert all(not item["code"].startswith("document_missing") or item["message_en"].startswith(
        "Please provide: ") for item in case["correction_items"])  # fmt: skip
    # Uploaded while sent back, then resubmitted without touching the form: routed.
    for code in required[1:]:
        assert upload(client, token, case_id, code).status_code == 201
    resubmitted = act(client, token, case_id, "resubmit")
    assert resubmitted.status_code == 200 and resubmitted.json["correction_items"] == []
    assert run_precheck()["routed"] == 1


def test_a_window_notice_lists_a_required_document_the_case_lacks_and_each_once(client):
    token, case_id = routed_case(client)
    session = Session()  # as a faulty import would leave it: the identity card's row is gone
    session.execute(
        delete(Document).where(
            Document.application_id == case_id, Document.document_code == "identity_card"
        )
    )
    session.commit()
    Session.remove()
    clerk = staff(client, "window_clerk", window="W03")
    notice = act(
        client, clerk, case_id, "request_correction", documents=["identity_card", "id_photo"]
    )
    assert notice.status_code == 200, notice.json
    codes = [item["code"] for item in notice.json["correction_items"]]
    assert codes == ["document_missing:identity_card", "document_missing:id_photo"]

"""A case is judged by the terms it was filed under: a policy version holds its form, documents
and rules with its route, and a stricter version seeded later applies to new cases only."""

import pytest

from tests.factories import (
    act,
    auth,
    changed_policy_seed,
    pdf_file,
    register,
    routed_case,
    run_precheck,
    staff,
    submit,
    submit_ready,
    upload,
    valid_form,
)
from workflow.db import Session
from workflow.models import Application
from workflow.policies import policy_terms, version_terms
from workflow.services.retention import statistics_of
from workflow.services.seeding import seed_reference_data

NEW_FIELD = {
    "name": "commute_district", "type": "string", "required": True, "max_length": 50,
    "label_zh": "通勤区县", "label_en": "Commuting district",
}  # fmt: skip
NEW_DOCUMENT = {
    "code": "residence_permit", "name_zh": "居住证", "name_en": "Residence permit",
    "required": True,
}  # fmt: skip


def _stricter(transport: dict) -> None:
    """A new required field, card_delivery dropped, a rule nobody meets, a new document."""
    fields = [spec for spec in transport["form_fields"] if spec["name"] != "card_delivery"]
    transport["form_fields"] = [*fields, NEW_FIELD]
    [rule] = transport["eligibility_rules"]
    rule["value"] = 700  # more months than the form's field allows: every case fails it
    transport["required_documents"].append(NEW_DOCUMENT)


@pytest.fixture
def stricter_transport(app, clean, tmp_path):
    """A function that seeds transport's stricter next version (the route is unchanged) and
    returns the version before; the real terms come back after."""
    with changed_policy_seed(tmp_path, "transport", _stricter) as (seed_dir, before):

        def seed() -> int:
            seed_reference_data(seed_dir)
            Session.remove()
            return before

        yield seed


def test_changed_terms_alone_make_a_version_and_the_old_one_keeps_its_own(stricter_transport):
    old = policy_terms(Session(), "transport")
    before = stricter_transport()
    new = policy_terms(Session(), "transport")
    assert new.version == before + 1 and new.route == old.route
    kept = version_terms(Session(), "transport", before)
    assert kept.form_fields == old.form_fields
    assert kept.eligibility_rules == old.eligibility_rules
    assert kept.required_documents == old.required_documents
    assert NEW_FIELD in new.form_fields and NEW_DOCUMENT in new.required_documents


def test_a_case_filed_before_is_prechecked_by_its_own_terms(client, stricter_transport):
    applicant, _ = register(client)
    filed = submit_ready(client, applicant).json
    stricter_transport()
    assert run_precheck()["routed"] == 1
    shown = client.get(f"/api/v1/applications/{filed['id']}", headers=auth(applicant)).json
    assert shown["status"] == "at_window" and shown["correction_items"] == []

    # The same form filed now meets the new terms: the new field is required.
    refused = submit(client, register(client)[0], form=filed["form"])
    assert refused.status_code == 422
    assert "commute_district" in str(refused.json["errors"])


def test_a_correction_resubmission_and_documents_keep_to_the_case_terms(client, stricter_transport):
    applicant, case_id = routed_case(client, window="W03")
    form = client.get(f"/api/v1/applications/{case_id}", headers=auth(applicant)).json["form"]
    stricter_transport()
    clerk = staff(client, "window_clerk", window="W03")
    item = {"code": "photo_blurred", "field": "documents.id_photo",
            "message_zh": "照片模糊", "message_en": "The photo is blurred"}  # fmt: skip
    notice = act(client, clerk, case_id, "request_correction", items=[item])
    assert notice.status_code == 200, notice.json
    # Only the clerk's item: neither the stricter rule nor the new document is the case's.
    assert [i["code"] for i in notice.json["correction_items"]] == ["photo_blurred"]

    new_document = upload(client, applicant, case_id, NEW_DOCUMENT["code"], pdf_file())
    assert new_document.status_code == 422
    assert "document_code" in new_document.json["errors"]
    assert upload(client, applicant, case_id, "id_photo", pdf_file()).status_code == 201

    # The form to answer on is the case's version's, which the catalogue still shows.
    version = notice.json["policy_version"]
    filed_on = client.get(f"/api/v1/policies/transport/versions/{version}").json
    assert {spec["name"] for spec in filed_on["form_fields"]} == set(form)
    assert client.get("/api/v1/policies/transport/versions/99").status_code == 404
    resubmitted = act(client, applicant, case_id, "resubmit", form=form)
    assert resubmitted.status_code == 200, resubmitted.json
    assert resubmitted.json["status"] == "submitted"


def test_retention_keeps_the_statistics_of_the_form_the_case_was_filed_on(
    client, stricter_transport
):
    _, case_id = routed_case(client)
    stricter_transport()  # the new version no longer asks for card_delivery
    case = Session().get(Application, case_id)
    statistics = statistics_of(Session(), case)
    assert statistics["card_delivery"] == case.form["card_delivery"]
    assert "employer_name" not in statistics  # free text: never a statistic


def _draft(client, token) -> dict:
    form = valid_form(client.get("/api/v1/policies/transport").json)
    body = {"policy_code": "transport", "window_code": "W01", "form": form, "draft": True}
    saved = client.post("/api/v1/applications", headers=auth(token), json=body)
    assert saved.status_code == 201, saved.json
    return saved.json


def test_a_draft_is_filed_under_the_terms_in_force_when_it_is_submitted(client, stricter_transport):
    applicant, _ = register(client)
    draft = _draft(client, applicant)
    before = stricter_transport()

    # The saved form no longer meets the terms: the new field is missing, a dropped one is there.
    refused = act(client, applicant, draft["id"], "submit")
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"] == {
        "form": {
            "card_delivery": ["Unknown field."],
            "commute_district": ["Missing data for required field."],
        }
    }
    kept = client.get(f"/api/v1/applications/{draft['id']}", headers=auth(applicant)).json
    assert (kept["status"], kept["policy_version"], kept["form"]) == (
        "draft",
        before,
        draft["form"],
    )

    form = {key: value for key, value in draft["form"].items() if key != "card_delivery"}
    form["commute_district"] = "雁湖区"
    filed = act(client, applicant, draft["id"], "submit", form=form)
    assert filed.status_code == 200, filed.json
    assert (filed.json["status"], filed.json["policy_version"]) == ("submitted", before + 1)
    assert filed.json["form"] == form
    # The pre-check holds it to the new terms: the rule nobody meets, the new document.
    assert run_precheck()["routed"] == 0
    shown = client.get(f"/api/v1/applications/{draft['id']}", headers=auth(applicant)).json
    assert shown["status"] == "correction_requested"
    codes = {item["code"] for item in shown["correction_items"]}
    [rule] = policy_terms(Session(), "transport").eligibility_rules
    assert {rule["code"], f"document_missing:{NEW_DOCUMENT['code']}"} <= codes


def test_a_draft_submitted_under_unchanged_terms_keeps_its_form_and_version(client):
    applicant, _ = register(client)
    draft = _draft(client, applicant)
    filed = act(client, applicant, draft["id"], "submit")
    assert filed.status_code == 200, filed.json
    assert filed.json["policy_version"] == draft["policy_version"]
    assert filed.json["form"] == draft["form"]


def test_only_submit_and_resubmit_take_a_form(client):
    applicant, _ = register(client)
    draft = _draft(client, applicant)
    refused = act(client, applicant, draft["id"], "withdraw", form=draft["form"])
    assert refused.status_code == 422
    assert refused.json["errors"] == {"form": ["Not taken by the action withdraw."]}

"""Public reference data: eight policies with renderable forms, 23 windows."""

import re

from workflow.forms import FIELD_TYPES

POLICY_CODES = {
    "household_registration", "housing", "schooling", "transport", "spouse_employment",
    "subsidy", "professional_title", "position_rank",
}  # fmt: skip


def test_the_eight_policies_with_their_forms(client):
    policies = client.get("/api/v1/policies").json
    assert {p["code"] for p in policies} == POLICY_CODES
    for policy in policies:
        assert policy["name_zh"] and policy["name_en"] and policy["required_documents"]
        assert "review_departments" not in policy and "sla_working_days" not in policy
        assert 0 < policy["promised_working_days"] <= policy["statutory_working_days"]
        route = policy["route"]
        assert policy["version"] >= 1 and route
        assert [stage["position"] for stage in route] == list(range(len(route)))
        assert sum(stage["working_days"] for stage in route) <= policy["promised_working_days"]
        for stage in route:
            assert stage["working_days"] > 0 and stage["departments"]
            single = len(stage["departments"]) == 1
            assert stage["sign"] in (("one",) if single else ("all", "any"))
        for field in policy["form_fields"]:
            assert field["type"] in FIELD_TYPES
            assert field["label_zh"] and field["label_en"] and isinstance(field["required"], bool)
            assert ("choices" in field) == (field["type"] == "choice")


def test_one_policy_and_an_unknown_one(client):
    housing = client.get("/api/v1/policies/housing").json
    assert housing["lead_department"] == "housing"
    assert housing["route"] == [
        {"position": 0, "code": "housing_review", "departments": ["housing"], "sign": "one",
         "working_days": 5},
        {"position": 1, "code": "joint_review", "departments": ["talent_office", "finance"],
         "sign": "all", "working_days": 3},
    ]  # fmt: skip
    assert (housing["promised_working_days"], housing["statutory_working_days"]) == (10, 20)
    response = client.get("/api/v1/policies/nothing")
    assert response.status_code == 404 and response.json["code"] == 404


def test_twenty_three_windows_one_district_and_twenty_two_townships(client):
    windows = client.get("/api/v1/windows").json
    assert [w["code"] for w in windows] == [f"W{n:02d}" for n in range(1, 24)]
    levels = [w["level"] for w in windows]
    assert levels.count("district") == 1 and levels.count("township") == 22
    assert windows[0]["code"] == "W01" and windows[0]["level"] == "district"


def test_health_readiness_and_the_api_document(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "broker": "ok"}
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/applications", "/api/v1/applications/{case_id}/actions"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    # Every script and stylesheet of the page is served here, none fetched from elsewhere.
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.get_data(as_text=True))
    assert assets and all(asset.startswith("/docs/") for asset in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset

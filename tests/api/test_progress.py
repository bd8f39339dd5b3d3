"""Public progress lookup: the status of a case for whoever holds its reference and the last six
characters of the applicant's identity number; one and the same 404 for every other request."""

import itertools

import pytest

from tests.factories import act, id_number, register, run_precheck, staff, submit, submit_ready

FIELDS = {
    "reference", "policy_code", "status", "submitted_at", "updated_at", "accepted_on", "due_date",
    "due_date_provisional", "statutory_due_date", "correction_due",
}  # fmt: skip


def _seq_ending_in(check: str, start: int = 500) -> int:
    return next(seq for seq in itertools.count(start) if id_number(seq).endswith(check))


@pytest.fixture
def case(client) -> dict:
    """A routed transport case whose applicant's identity number ends in X."""
    seq = _seq_ending_in("X")
    token, _ = register(client, seq)
    submitted = submit_ready(client, token, "transport", "W01")
    run_precheck()
    return {
        "id": submitted.json["id"],
        "reference": submitted.json["reference"],
        "last6": id_number(seq)[-6:],
    }


def _look_up(client, reference: str, id_last6: str | None):
    query = {} if id_last6 is None else {"id_last6": id_last6}
    return client.get(f"/api/v1/progress/{reference}", query_string=query)


def test_the_right_pair_shows_the_status_and_nothing_else(client, case):
    response = _look_up(client, case["reference"], case["last6"])
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == FIELDS
    assert body["reference"] == case["reference"] and body["policy_code"] == "transport"
    assert body["status"] == "at_window"
    assert body["submitted_at"] and body["updated_at"] >= body["submitted_at"]
    assert body["due_date"] is None  # no clock before acceptance


def test_a_trailing_x_matches_in_either_case(client, case):
    assert case["last6"].endswith("X")
    assert _look_up(client, case["reference"], case["last6"].lower()).status_code == 200


def test_every_failure_is_the_same_404(client, case):
    other_seq = _seq_ending_in("3")
    other_token, _ = register(client, other_seq)
    other = submit(client, other_token, "transport", "W02").json["reference"]
    good, reference = case["last6"], case["reference"]
    wrong_digit = ("0" if good[0] != "0" else "1") + good[1:]
    attempts = [
        (reference, wrong_digit),
        (reference, id_number(other_seq)[-6:]),  # another applicant's
        (other, good),  # another case
        (reference, None),
        (reference, ""),
        (reference, good[1:]),
        (reference, good + "0"),
        (reference, " " + good[1:]),
        (reference, good[:5] + "Y"),
        (reference, "１２３４５６"),  # full-width digits
        (reference, id_number(_seq_ending_in("X"))),  # a whole identity number
        ("YH-20000101-NOSUCHCASE", good),
        ("x" * 500, good),
    ]
    bodies = []
    for path_reference, id_last6 in attempts:
        response = _look_up(client, path_reference, id_last6)
        assert response.status_code == 404, (path_reference, id_last6, response.json)
        bodies.append(response.json)
    assert all(body == bodies[0] for body in bodies), bodies
    assert bodies[0]["code"] == 404 and set(bodies[0]) == {"code", "status", "message"}
    assert good not in str(bodies[0]) and reference not in str(bodies[0])


def test_no_token_is_needed_and_the_document_says_so(client, case):
    spec = client.get("/openapi.json").json
    path = spec["paths"]["/api/v1/progress/{reference}"]
    operation = path["get"]
    assert operation["security"] == []
    assert [p["name"] for p in path["parameters"] + operation["parameters"]] == [
        "reference", "id_last6",
    ]  # fmt: skip
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][name]["properties"]) == FIELDS


def test_an_accepted_case_shows_its_deadlines(client, case):
    clerk = staff(client, "window_clerk", window="W01")
    accepted = act(client, clerk, case["id"], "accept").json
    body = _look_up(client, case["reference"], case["last6"]).json
    assert body["status"] == "in_review"
    assert (body["accepted_on"], body["due_date"], body["statutory_due_date"]) == (
        accepted["accepted_on"], accepted["due_date"], accepted["statutory_due_date"],
    )  # fmt: skip

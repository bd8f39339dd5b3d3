"""The strict phone, name and identity-number rules at registration and login (the rules
themselves: tests/workflow/test_personal_fields.py and test_identity.py)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, id_number, register
from workflow.db import Session
from workflow.models import User

BODY = {"phone": "13900000301", "password": PASSWORD, "name": "王五", "id_number": id_number(301)}


def _count_users() -> int:
    return Session().scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "13900000301\n"),
        ("phone", "139 0000 0301"),
        ("phone", "１３９００００３０１"),
        ("phone", "139٠٠٠٠٠٣٠١"),
        ("name", "王五\n"),
        ("name", "王\u202e五"),
        ("name", "王五1"),
        ("name", "王五!"),
        ("id_number", id_number(301, birth=f"{date.today().year - 10}0101")),
        ("id_number", id_number(301, birth="18991231")),
    ],
)
def test_registration_refuses_it_naming_the_field(client, field, value):
    response = client.post("/api/v1/auth/register", json={**BODY, field: value})
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == [field]
    assert _count_users() == 0


def test_a_plus86_phone_is_stored_as_eleven_digits_and_logs_in_either_way(client):
    register(client, 302, phone="+8613900000302", name="阿卜杜·热合曼")
    user = Session().scalars(select(User)).one()
    assert user.phone == "13900000302" and user.username is None and user.name == "阿卜杜·热合曼"
    for username in ("13900000302", "+8613900000302"):
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, username
    registered_again = client.post("/api/v1/auth/register", json={**BODY, "phone": "13900000302"})
    assert registered_again.status_code == 202
    # Found as the same phone: no second account.
    assert Session().scalars(select(User)).one().name == "阿卜杜·热合曼"

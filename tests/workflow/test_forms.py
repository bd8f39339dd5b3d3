"""A policy's form is checked against its declared fields; every bad field is named."""

import pytest

from workflow.errors import InvalidInput
from workflow.forms import clean_form

FIELDS = [
    {"name": "degree", "type": "choice", "required": True,
     "choices": [{"value": "bachelor"}, {"value": "master"}]},
    {"name": "months", "type": "integer", "required": True, "min": 0, "max": 600},
    {"name": "score", "type": "number", "required": False},
    {"name": "full_time", "type": "boolean", "required": True},
    {"name": "graduated", "type": "date", "required": True},
    {"name": "university", "type": "string", "required": False, "max_length": 5},
]  # fmt: skip
GOOD = {"degree": "master", "months": 3, "full_time": True, "graduated": "2024-06-30"}


def test_a_good_form_is_returned_ready_to_store():
    assert clean_form(FIELDS, {**GOOD, "score": 1}) == {**GOOD, "score": 1.0}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"degree": "phd"}, "degree"),
        ({"months": "3"}, "months"),
        ({"months": 3.5}, "months"),
        ({"months": -1}, "months"),
        ({"full_time": "yes"}, "full_time"),
        ({"full_time": 1}, "full_time"),
        ({"graduated": "30/06/2024"}, "graduated"),
        ({"university": "toolongname"}, "university"),
        ({"score": float("nan")}, "score"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_each_bad_value_is_named(change, field):
    with pytest.raises(InvalidInput) as raised:
        clean_form(FIELDS, {**GOOD, **change})
    assert list(raised.value.errors["form"]) == [field]


def test_every_missing_field_is_listed_at_once():
    with pytest.raises(InvalidInput) as raised:
        clean_form(FIELDS, {})
    assert set(raised.value.errors["form"]) == {"degree", "months", "full_time", "graduated"}

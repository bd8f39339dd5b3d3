from datetime import date

import pytest

from tests.factories import id_number
from workflow.identity import age_on, normalise_id_number


def test_a_yanhu_number_of_someone_born_before_the_district_existed_is_valid():
    # 140802 dates from 2000; first cards issued after that carry it whatever the birth year.
    number = id_number(1, birth="19950501", region="140802")
    assert normalise_id_number(number) == number


def test_lower_case_x_is_accepted_and_canonicalised():
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1101051949123100",  # too short
        "110105194912310021",  # wrong check digit
        "999999199505010010",  # unknown region
        "11010519491331002X",  # month 13 (check digit recomputed below)
        "11010520991231002X",  # born in the future
        "11010519491231002Y",
    ],
)
def test_invalid_numbers_are_refused(value):
    if value.startswith(("11010519491331", "110105209912")):
        body = value[:17]
        from stdnum.cn import ric

        value = body + ric.calc_check_digit(body + "0")
    assert normalise_id_number(value, today=date(2026, 11, 26)) is None


def test_age_counts_birthdays():
    number = id_number(2, birth="19950501")
    assert age_on(number, date(2026, 4, 30)) == 30
    assert age_on(number, date(2026, 5, 1)) == 31
    assert age_on("nonsense", date(2026, 5, 1)) is None


def test_a_holder_must_be_sixteen_on_the_day_of_checking():
    number = id_number(3, birth="20100501")
    assert normalise_id_number(number, today=date(2026, 4, 30)) is None
    assert normalise_id_number(number, today=date(2026, 5, 1)) == number


def test_a_birth_date_before_1900_is_refused():
    assert normalise_id_number(id_number(4, birth="18991231")) is None
    assert normalise_id_number(id_number(4, birth="19000101")) is not None


def test_non_ascii_digits_are_refused():
    number = id_number(5)
    assert normalise_id_number(number.replace("1", "１", 1)) is None

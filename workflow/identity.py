"""Resident identity numbers (GB 11643): 18 characters, region, birth date, check digit, and a
holder who is a plausible applicant: born on or after 1900-01-01 and at least 16 (the age a first
card is issued at) on the day of checking.

python-stdnum's own `ric.validate` also insists that the region code existed in the birth year.
That refuses real people here: Yanhu District's code 140802 dates from 2000, and everyone who got
a first card after 2000 carries it whatever their birth year. So the region only has to be known.
"""

from datetime import date, datetime
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric

from config import LOCAL_TIMEZONE

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
MIN_AGE = 16


def normalise_id_number(value: str, today: date | None = None) -> str | None:
    """The number in canonical form (upper-case X), or None when it is not a valid one."""
    if not (value or "").isascii():  # stdnum would fold full-width digits; refuse them instead
        return None
    number = ric.compact(value)
    if len(number) != 18 or not number[:17].isdigit():
        return None
    if number[-1] != ric.calc_check_digit(number):
        return None
    try:
        born = ric.get_birth_date(number)
    except Exception:  # stdnum raises its own error types for an impossible date
        return None
    today = today or datetime.now(LOCAL_TIMEZONE).date()
    if born < EARLIEST_BIRTH_DATE or _age(born, today) < MIN_AGE:
        return None
    if not _region_known(number[:6]):
        return None
    return number


# The lookup walks stdnum's region table; real codes number a few thousand, and the bound keeps
# made-up ones from growing the cache.
@lru_cache(maxsize=8192)
def _region_known(code: str) -> bool:
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def age_on(id_number: str, today: date) -> int | None:
    """Age in whole years from a number already checked with normalise_id_number (None for
    anything that has no birth date in it)."""
    try:
        born = ric.get_birth_date(id_number)
    except Exception:  # stdnum raises its own error types
        return None
    return _age(born, today)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

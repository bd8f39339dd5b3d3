"""Resident identity numbers (GB 11643): 18 characters, region, birth date, check digit.

python-stdnum's own `ric.validate` also insists that the region code existed in the birth year.
That refuses real people here: Yanhu District's code 140802 dates from 2000, and everyone who got
a first card after 2000 carries it whatever their birth year. So the region only has to be known.
"""

from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric


def normalise_id_number(value: str, today: date | None = None) -> str | None:
    """The number in canonical form (upper-case X), or None when it is not a valid one."""
    number = ric.compact(value or "")
    if len(number) != 18 or not number[:17].isdigit():
        return None
    if number[-1] != ric.calc_check_digit(number):
        return None
    try:
        born = ric.get_birth_date(number)
    except Exception:  # stdnum raises its own error types for an impossible date
        return None
    if born > (today or date.today()) or not _region_known(number[:6]):
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
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

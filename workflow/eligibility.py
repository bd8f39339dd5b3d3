"""A policy's basic conditions, declared as data: each rule compares one fact with a value."""

import operator
from datetime import date

from stdnum.cn import ric

OPERATORS = {
    "eq": operator.eq,
    "in": lambda fact, allowed: fact in allowed,
    "min": operator.ge,
    "max": operator.le,
}


def age_on(id_number: str, today: date) -> int | None:
    try:
        born = ric.get_birth_date(id_number)
    except Exception:  # stdnum raises several types for a malformed number
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def failed_rules(rules: list[dict], form: dict, facts: dict) -> list[dict]:
    """Every rule the case does not meet, as correction items (all at once: 一次性告知)."""
    problems = []
    for rule in rules:
        source, _, name = rule["field"].partition(".")
        value = form.get(name) if source == "form" else facts.get(name)
        try:
            met = value is not None and OPERATORS[rule["op"]](value, rule["value"])
        except TypeError:
            met = False
        if not met:
            problems.append(
                {
                    "code": rule["code"],
                    "field": rule["field"],
                    "message_zh": rule["message_zh"],
                    "message_en": rule["message_en"],
                }
            )
    return problems

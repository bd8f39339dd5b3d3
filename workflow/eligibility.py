"""A policy's basic conditions, declared as data: each rule compares one fact with a value."""

import operator

OPERATORS = {
    "eq": operator.eq,
    "in": lambda fact, allowed: fact in allowed,
    "min": operator.ge,
    "max": operator.le,
}


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

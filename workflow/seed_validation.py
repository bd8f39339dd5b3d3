"""The seed files, read and checked whole before anything is written.

A typo in seed/*.yaml (an operator, a department, a day count) would otherwise surface weeks
later as a failing pre-check or a case routed nowhere. Each problem raises one SeedError whose
message names the file and the entry, e.g. `seed/policies.yaml: policy housing,
eligibility_rules[1] (age_at_most_45): unknown operator 'between'`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml

from workflow.eligibility import OPERATORS
from workflow.forms import FIELD_TYPES

# The facts the pre-check computes about an applicant (workflow/services/precheck.py).
APPLICANT_FACTS = frozenset({"age"})
SIGNS = ("all", "any")
WINDOW_LEVELS = ("district", "township")


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the file and the entry."""


@dataclass(frozen=True)
class ReferenceSeed:
    departments: list[dict]
    windows: list[dict]
    policies: list[dict]


@dataclass(frozen=True)
class Keys:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


DEPARTMENT_KEYS = Keys(("code", "name_zh", "name_en"))
WINDOW_KEYS = Keys(("code", "name_zh", "name_en", "level", "township_zh", "township_en"))
POLICY_KEYS = Keys(
    ("code", "name_zh", "name_en", "lead_department", "promised_working_days",
     "statutory_working_days", "route", "form_fields", "required_documents",
     "eligibility_rules"),
    ("description_zh", "description_en", "allows_multiple_open"),
)  # fmt: skip
STAGE_KEYS = Keys(("code", "departments", "working_days"), ("sign",))
FORM_FIELD_KEYS = Keys(
    ("name", "type", "required", "label_zh", "label_en"), ("choices", "min", "max", "max_length")
)
CHOICE_KEYS = Keys(("value", "label_zh", "label_en"))
DOCUMENT_KEYS = Keys(("code", "name_zh", "name_en", "required"))
RULE_KEYS = Keys(("code", "field", "op", "value", "message_zh", "message_en"))
DEMO_KEYS = Keys(("password", "users"))
DEMO_USER_KEYS = Keys(("username", "role", "name"), ("window", "department", "head"))


class Where:
    """Where a problem is: the file, then the entry path, for the error message."""

    def __init__(self, file: str, entry: str = "") -> None:
        self.file = file
        self.entry = entry

    def at(self, label: str) -> "Where":
        return Where(self.file, f"{self.entry}, {label}" if self.entry else label)

    def fail(self, problem: str) -> NoReturn:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        raise SeedError(f"{where}: {problem}")


def load_reference_seed(seed_dir: Path) -> ReferenceSeed:
    """Departments, windows and policies, or SeedError for the first problem found."""
    departments = _read_list(seed_dir, "departments")
    windows = _read_list(seed_dir, "windows")
    policies = _read_list(seed_dir, "policies")
    _check_departments(where_of(seed_dir, "departments"), departments)
    _check_windows(where_of(seed_dir, "windows"), windows)
    known = {d["code"] for d in departments}
    _check_policies(where_of(seed_dir, "policies"), policies, known)
    return ReferenceSeed(departments, windows, policies)


def load_demo_users(seed_dir: Path) -> dict:
    """The demo accounts file, checked against the departments and windows it names."""
    reference = load_reference_seed(seed_dir)
    where = where_of(seed_dir, "demo_users")
    demo = read_seed(seed_dir, "demo_users")
    check_keys(where, demo, DEMO_KEYS)
    check_text(where, demo, "password")
    if not isinstance(demo["users"], list):
        where.fail("users must be a list")
    windows = {w["code"] for w in reference.windows}
    departments = {d["code"] for d in reference.departments}
    seen: dict[str, int] = {}
    for index, user in enumerate(demo["users"]):
        at = where.at(label("users", index, user, "username"))
        check_keys(at, user, DEMO_USER_KEYS)
        for key in ("username", "role", "name"):
            check_text(at, user, key)
        check_unique(at, seen, user["username"], index, "users", "username")
        if user.get("window") is not None and user["window"] not in windows:
            at.fail(f"unknown window {user['window']!r}")
        if user.get("department") is not None and user["department"] not in departments:
            at.fail(f"unknown department {user['department']!r}")
        if not isinstance(user.get("head", False), bool):
            at.fail("head must be true or false")
    return demo


def where_of(seed_dir: Path, name: str) -> Where:
    path = seed_dir / f"{name}.yaml"
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = path
    return Where(str(shown))


def read_seed(seed_dir: Path, name: str):
    where = where_of(seed_dir, name)
    try:
        with open(seed_dir / f"{name}.yaml", encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as error:
        where.fail(f"cannot be read ({error.strerror})")
    except yaml.YAMLError as error:
        where.fail(f"is not valid YAML ({error})")


def _read_list(seed_dir: Path, name: str) -> list:
    content = read_seed(seed_dir, name)
    if not isinstance(content, list) or not content:
        where_of(seed_dir, name).fail("must be a non-empty list of entries")
    return content


def _check_departments(where: Where, departments: list) -> None:
    seen: dict[str, int] = {}
    for index, row in enumerate(departments):
        at = where.at(label("departments", index, row, "code", "department"))
        check_keys(at, row, DEPARTMENT_KEYS)
        for key in DEPARTMENT_KEYS.required:
            check_text(at, row, key)
        check_unique(at, seen, row["code"], index, "departments")


def _check_windows(where: Where, windows: list) -> None:
    seen: dict[str, int] = {}
    for index, row in enumerate(windows):
        at = where.at(label("windows", index, row, "code", "window"))
        check_keys(at, row, WINDOW_KEYS)
        for key in ("code", "name_zh", "name_en"):
            check_text(at, row, key)
        check_unique(at, seen, row["code"], index, "windows")
        if row["level"] not in WINDOW_LEVELS:
            at.fail(f"unknown level {row['level']!r} (one of {', '.join(WINDOW_LEVELS)})")


def _check_policies(where: Where, policies: list, departments: set[str]) -> None:
    seen: dict[str, int] = {}
    for index, policy in enumerate(policies):
        at = where.at(label("policies", index, policy, "code", "policy"))
        check_keys(at, policy, POLICY_KEYS)
        for key in ("code", "name_zh", "name_en"):
            check_text(at, policy, key)
        check_unique(at, seen, policy["code"], index, "policies")
        if policy["lead_department"] not in departments:
            at.fail(f"unknown lead_department {policy['lead_department']!r}")
        if not isinstance(policy.get("allows_multiple_open", False), bool):
            at.fail("allows_multiple_open must be true or false")
        _check_days(at, policy)
        _check_route(at, policy["route"], policy["promised_working_days"], departments)
        names = _check_form_fields(at, policy["form_fields"])
        _check_documents(at, policy["required_documents"])
        _check_rules(at, policy["eligibility_rules"], names)


def _check_days(at: Where, policy: dict) -> None:
    promised, statutory = policy["promised_working_days"], policy["statutory_working_days"]
    _positive(at, "promised_working_days", promised)
    _positive(at, "statutory_working_days", statutory)
    if statutory < promised:
        at.fail(f"statutory_working_days {statutory} is less than promised_working_days {promised}")


def _check_route(at: Where, route, promised: int, departments: set[str]) -> None:
    if not isinstance(route, list) or not route:
        at.fail("route must be a non-empty list of stages")
    seen: dict[str, int] = {}
    for index, stage in enumerate(route):
        stage_at = at.at(label("route", index, stage, "code"))
        check_keys(stage_at, stage, STAGE_KEYS)
        check_text(stage_at, stage, "code")
        check_unique(stage_at, seen, stage["code"], index, "route")
        members = stage["departments"]
        if not isinstance(members, list) or not members:
            stage_at.fail("departments must be a non-empty list")
        for department in members:
            if department not in departments:
                stage_at.fail(f"unknown department {department!r}")
        if len(set(members)) != len(members):
            stage_at.fail("a department is listed twice")
        _check_sign(stage_at, stage, len(members))
        _positive(stage_at, "working_days", stage["working_days"])
    total = sum(stage["working_days"] for stage in route)
    if total > promised:
        at.fail(
            f"the route's working_days add up to {total}, "
            f"more than promised_working_days {promised}"
        )


def _check_sign(at: Where, stage: dict, members: int) -> None:
    if "sign" not in stage:
        if members > 1:
            at.fail(f"a stage of {members} departments needs sign: all (会签) or any (或签)")
        return
    if stage["sign"] not in SIGNS:
        at.fail(f"unknown sign {stage['sign']!r} (one of {', '.join(SIGNS)})")
    if members == 1:
        at.fail("sign applies only to a stage of several departments; omit it for one")


def _check_form_fields(at: Where, form_fields) -> set[str]:
    if not isinstance(form_fields, list):
        at.fail("form_fields must be a list")
    seen: dict[str, int] = {}
    for index, spec in enumerate(form_fields):
        field_at = at.at(label("form_fields", index, spec, "name"))
        check_keys(field_at, spec, FORM_FIELD_KEYS)
        check_text(field_at, spec, "name")
        check_unique(field_at, seen, spec["name"], index, "form_fields", "name")
        if spec["type"] not in FIELD_TYPES:
            field_at.fail(f"unknown type {spec['type']!r} (one of {', '.join(FIELD_TYPES)})")
        if not isinstance(spec["required"], bool):
            field_at.fail("required must be true or false")
        if (spec["type"] == "choice") != ("choices" in spec):
            field_at.fail("choices are given exactly when the type is choice")
        for number, choice in enumerate(spec.get("choices") or ()):
            check_keys(field_at.at(f"choices[{number}]"), choice, CHOICE_KEYS)
    return set(seen)


def _check_documents(at: Where, documents) -> None:
    if not isinstance(documents, list):
        at.fail("required_documents must be a list")
    seen: dict[str, int] = {}
    for index, document in enumerate(documents):
        document_at = at.at(label("required_documents", index, document, "code"))
        check_keys(document_at, document, DOCUMENT_KEYS)
        check_text(document_at, document, "code")
        check_unique(document_at, seen, document["code"], index, "required_documents")
        if not isinstance(document["required"], bool):
            document_at.fail("required must be true or false")


def _check_rules(at: Where, rules, form_fields: set[str]) -> None:
    if not isinstance(rules, list):
        at.fail("eligibility_rules must be a list")
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        rule_at = at.at(label("eligibility_rules", index, rule, "code"))
        check_keys(rule_at, rule, RULE_KEYS)
        check_text(rule_at, rule, "code")
        check_unique(rule_at, seen, rule["code"], index, "eligibility_rules")
        if rule["op"] not in OPERATORS:
            rule_at.fail(f"unknown operator {rule['op']!r} (one of {', '.join(OPERATORS)})")
        if rule["op"] == "in" and not isinstance(rule["value"], list):
            rule_at.fail("the value of an 'in' rule must be a list")
        _check_rule_field(rule_at, rule["field"], form_fields)


def _check_rule_field(at: Where, field, form_fields: set[str]) -> None:
    source, _, name = str(field).partition(".")
    if source == "form" and name in form_fields:
        return
    if source == "applicant" and name in APPLICANT_FACTS:
        return
    if source == "form":
        at.fail(f"unknown field {field!r} (the policy's form has no field {name!r})")
    if source == "applicant":
        at.fail(f"unknown field {field!r} (applicant facts: {', '.join(sorted(APPLICANT_FACTS))})")
    at.fail(f"unknown field {field!r} (form.<field name> or applicant.<fact>)")


def check_keys(at: Where, entry, keys: Keys) -> None:
    if not isinstance(entry, dict):
        at.fail("must be a mapping of keys to values")
    unknown = [key for key in entry if key not in keys.required + keys.optional]
    if unknown:
        at.fail(f"unknown {_keys(unknown)}")
    missing = [key for key in keys.required if key not in entry]
    if missing:
        at.fail(f"missing {_keys(missing)}")


def _keys(names: Iterable) -> str:
    names = [repr(name) for name in names]
    return f"key{'s' if len(names) > 1 else ''} {', '.join(names)}"


def label(collection: str, index: int, entry, key: str, kind: str | None = None) -> str:
    """`policy housing` for a top-level entry, `route[1] (joint_review)` for a nested one."""
    code = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(code, str) or not code:
        return f"{collection}[{index}]"
    return f"{kind} {code}" if kind else f"{collection}[{index}] ({code})"


def check_text(at: Where, entry: dict, key: str) -> None:
    if not isinstance(entry[key], str) or not entry[key].strip():
        at.fail(f"{key} must be a non-empty string")


def _positive(at: Where, key: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        at.fail(f"{key} must be a positive whole number of working days (got {value!r})")


def check_unique(
    at: Where, seen: dict[str, int], code: str, index: int, collection: str, key: str = "code"
) -> None:
    if code in seen:
        at.fail(f"duplicate {key} {code!r} (also {collection}[{seen[code]}])")
    seen[code] = index

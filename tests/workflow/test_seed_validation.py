"""Seed files are checked whole when loaded; each problem names the file and the entry."""

import shutil
from collections.abc import Callable

import pytest
import yaml
from sqlalchemy import func, select

from config import SEED_DIR
from workflow.db import Session
from workflow.models import Department, PolicyVersion
from workflow.seed_validation import SeedError, load_demo_users, load_reference_seed


@pytest.fixture
def seed_dir(tmp_path):
    """A copy of the real seed files, to spoil one at a time."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def _edit(seed_dir, name: str, change: Callable) -> None:
    path = seed_dir / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _policy(policies: list, code: str) -> dict:
    return next(p for p in policies if p["code"] == code)


def _on_policy(code: str, change: Callable) -> Callable:
    return lambda policies: change(_policy(policies, code))


def _set(path: tuple, value) -> Callable:
    def change(entry):
        for key in path[:-1]:
            entry = entry[key]
        entry[path[-1]] = value

    return change


def _drop(key: str) -> Callable:
    return lambda entry: entry.pop(key)


HOUSEHOLD_AGE_RULE = "policy household_registration, eligibility_rules[1] (age_at_most_45)"

BAD_POLICIES = [
    (
        _on_policy("housing", _set(("sla_working_days",), 10)),
        "policy housing: unknown key 'sla_working_days'",
    ),
    (_on_policy("housing", _drop("route")), "policy housing: missing key 'route'"),
    (
        _on_policy("household_registration", _set(("eligibility_rules", 1, "op"), "between")),
        f"{HOUSEHOLD_AGE_RULE}: unknown operator 'between' (one of eq, in, min, max)",
    ),
    (
        _on_policy("household_registration", _set(("eligibility_rules", 1, "field"), "form.age")),
        f"{HOUSEHOLD_AGE_RULE}: unknown field 'form.age' (the policy's form has no field 'age')",
    ),
    (
        _on_policy(
            "household_registration", _set(("eligibility_rules", 1, "field"), "applicant.income")
        ),
        f"{HOUSEHOLD_AGE_RULE}: unknown field 'applicant.income' (applicant facts: age)",
    ),
    (
        _on_policy("household_registration", _set(("eligibility_rules", 1, "field"), "age")),
        f"{HOUSEHOLD_AGE_RULE}: unknown field 'age' (form.<field name> or applicant.<fact>)",
    ),
    (
        _on_policy("schooling", _set(("eligibility_rules", 0, "oops"), 1)),
        "policy schooling, eligibility_rules[0] (child_age_at_least_3): unknown key 'oops'",
    ),
    (
        _on_policy("housing", _set(("form_fields", 2, "type"), "int")),
        "policy housing, form_fields[2] (family_size): unknown type 'int' "
        "(one of string, integer, number, boolean, date, choice)",
    ),
    (
        _on_policy("housing", _set(("route", 1, "departments"), ["talent_office", "treasury"])),
        "policy housing, route[1] (joint_review): unknown department 'treasury'",
    ),
    (
        _on_policy("housing", _set(("route", 1, "sign"), "most")),
        "policy housing, route[1] (joint_review): unknown sign 'most' (one of all, any)",
    ),
    (
        _on_policy("housing", lambda p: p["route"][1].pop("sign")),
        "policy housing, route[1] (joint_review): a stage of 2 departments needs sign: "
        "all (会签) or any (或签)",
    ),
    (
        _on_policy("housing", _set(("route", 0, "sign"), "all")),
        "policy housing, route[0] (housing_review): sign applies only to a stage of several "
        "departments; omit it for one",
    ),
    (
        _on_policy("housing", _set(("route", 0, "working_days"), 0)),
        "policy housing, route[0] (housing_review): working_days must be a positive whole "
        "number of working days (got 0)",
    ),
    (
        _on_policy("housing", _set(("route", 0, "working_days"), 8)),
        "policy housing: the route's working_days add up to 11, more than promised_working_days 10",
    ),
    (
        _on_policy("housing", _set(("promised_working_days",), -1)),
        "policy housing: promised_working_days must be a positive whole number of working days "
        "(got -1)",
    ),
    (
        _on_policy("housing", _set(("statutory_working_days",), 9)),
        "policy housing: statutory_working_days 9 is less than promised_working_days 10",
    ),
    (
        _on_policy("housing", _set(("route", 1, "code"), "housing_review")),
        "policy housing, route[1] (housing_review): duplicate code 'housing_review' "
        "(also route[0])",
    ),
    (
        _on_policy("subsidy", _set(("code",), "housing")),
        "policy housing: duplicate code 'housing' (also policies[1])",
    ),
    (
        _on_policy("transport", _set(("lead_department",), "police")),
        "policy transport: unknown lead_department 'police'",
    ),
    (
        lambda policies: policies[2].pop("code"),
        "policies[2]: missing key 'code'",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_POLICIES)
def test_a_bad_policy_is_refused_with_the_file_and_the_entry(seed_dir, change, message):
    _edit(seed_dir, "policies", change)
    with pytest.raises(SeedError) as error:
        load_reference_seed(seed_dir)
    assert str(error.value) == f"{seed_dir / 'policies.yaml'}: {message}"


BAD_OTHER_FILES = [
    ("departments", lambda rows: rows[6].pop("name_en"), "department finance: missing key 'name_en'"),
    ("departments", lambda rows: rows[1].update(code="education"),
     "department education: duplicate code 'education' (also departments[1])"),
    ("windows", lambda rows: rows[4].pop("level"), "window W05: missing key 'level'"),
    ("windows", lambda rows: rows[4].update(level="city"),
     "window W05: unknown level 'city' (one of district, township)"),
    ("windows", lambda rows: rows[0].update(floor=2), "window W01: unknown key 'floor'"),
    ("demo_users", lambda demo: demo["users"][0].update(window="W99"),
     "users[0] (clerk-w01): unknown window 'W99'"),
    ("demo_users", lambda demo: demo.pop("password"), "missing key 'password'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "message"), BAD_OTHER_FILES)
def test_bad_departments_windows_and_demo_users_are_refused(seed_dir, name, change, message):
    _edit(seed_dir, name, change)
    load = load_demo_users if name == "demo_users" else load_reference_seed
    with pytest.raises(SeedError) as error:
        load(seed_dir)
    assert str(error.value) == f"{seed_dir / f'{name}.yaml'}: {message}"


def test_a_file_that_is_not_a_list_or_not_yaml(seed_dir):
    (seed_dir / "windows.yaml").write_text("code: W01\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"windows\.yaml: must be a non-empty list of entries$"):
        load_reference_seed(seed_dir)
    (seed_dir / "windows.yaml").write_text("- [unclosed\n", encoding="utf-8")
    with pytest.raises(SeedError, match=r"windows\.yaml: is not valid YAML"):
        load_reference_seed(seed_dir)
    (seed_dir / "windows.yaml").unlink()
    with pytest.raises(SeedError, match=r"windows\.yaml: cannot be read"):
        load_reference_seed(seed_dir)


def test_the_real_seed_files_load():
    seed = load_reference_seed(SEED_DIR)
    assert (len(seed.departments), len(seed.windows), len(seed.policies)) == (8, 23, 8)
    assert len(load_demo_users(SEED_DIR)["users"]) == 41
    signs = {stage.get("sign") for policy in seed.policies for stage in policy["route"]}
    assert {"all", "any"} <= signs


def test_the_seed_command_prints_the_problem_and_writes_nothing(app, clean, seed_dir, monkeypatch):
    _edit(seed_dir, "departments", lambda rows: rows[0].update(name_en="Renamed"))
    _edit(seed_dir, "policies", _on_policy("housing", _set(("route", 1, "sign"), "most")))
    monkeypatch.setattr("api.commands.SEED_DIR", seed_dir)
    versions = Session().scalar(select(func.count()).select_from(PolicyVersion))
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0
    assert "policy housing, route[1] (joint_review): unknown sign 'most'" in result.output
    assert str(seed_dir / "policies.yaml") in result.output
    session = Session()
    assert session.get(Department, "public_security").name_en != "Renamed"
    assert session.scalar(select(func.count()).select_from(PolicyVersion)) == versions

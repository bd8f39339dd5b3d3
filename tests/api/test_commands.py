"""Operator commands: create-user and seed."""

from sqlalchemy import func, select

from config import SEED_DIR
from workflow.db import Session
from workflow.models import Policy, User, Window
from workflow.services.seeding import seed_demo_accounts, seed_reference_data


def test_create_user_with_a_password_option(app, client):
    result = app.test_cli_runner().invoke(
        args="create-user --username clerk-a --role window_clerk --window W02".split()
        + ["--password", "long-enough-1"]
    )
    assert result.exit_code == 0, result.output
    login = client.post(
        "/api/v1/auth/login", json={"username": "clerk-a", "password": "long-enough-1"}
    )
    assert login.status_code == 200 and login.json["user"]["window_code"] == "W02"


def test_create_user_reads_the_password_from_standard_input(app, client):
    result = app.test_cli_runner().invoke(
        args="create-user --username reviewer-b --role reviewer --department housing".split(),
        input="from-stdin-123\n",
    )
    assert result.exit_code == 0, result.output
    login = client.post(
        "/api/v1/auth/login", json={"username": "reviewer-b", "password": "from-stdin-123"}
    )
    assert login.json["user"]["department_code"] == "housing"


def test_create_user_refuses_bad_input_clearly(app, client):
    runner = app.test_cli_runner()
    cases = [
        (["--username", "x1y", "--role", "applicant", "--password", "long-enough-1"], "role"),
        (["--username", "clerk-c", "--role", "window_clerk", "--password", "long-enough-1"], "window"),
        (["--username", "clerk-d", "--role", "window_clerk", "--window", "W99",
          "--password", "long-enough-1"], "window"),
        (["--username", "r-e", "--role", "reviewer", "--password", "short"], "password"),
    ]  # fmt: skip
    for args, field in cases:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0 and field in result.output, (args, result.output)
    assert Session().scalar(select(func.count()).select_from(User)) == 0


def test_seeding_twice_changes_nothing(app, client):
    counts = seed_reference_data(SEED_DIR)
    assert counts == {
        "departments": 8, "windows": 23, "policies": 8, "notification_rules_added": 0,
        "templates_added": 0, "calendar_years": 7,
    }  # fmt: skip
    session = Session()
    assert session.scalar(select(func.count()).select_from(Policy)) == 8
    assert session.scalar(select(func.count()).select_from(Window)) == 23


def test_demo_accounts_only_where_the_config_allows(app, client):
    assert app.config["DEMO_ACCOUNTS"] is False
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "demo" not in result.output
    assert Session().scalar(select(func.count()).select_from(User)) == 0
    password, created = seed_demo_accounts(SEED_DIR)
    assert len(created) == 41 and password  # 23 clerks, 8 reviewers, 7 heads, 3 others
    assert seed_demo_accounts(SEED_DIR)[1] == []

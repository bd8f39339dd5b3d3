"""Operator commands: `flask --app api seed`, `create-user`, `verify-audit`, `new-key` and
`rotate-keys`."""

import sys

import click
from flask import Flask, current_app

from config import SEED_DIR
from workflow.errors import DomainError
from workflow.personal_data import new_key, sealing_key_id
from workflow.seed_validation import SeedError
from workflow.services.accounts import create_staff_user
from workflow.services.audit_check import find_first_break
from workflow.services.key_rotation import reseal_personal_data
from workflow.services.seeding import seed_demo_accounts, seed_reference_data


def register_commands(app: Flask) -> None:
    _register_key_commands(app)

    @app.cli.command("seed")
    def seed():
        """Load policies, windows, departments and the working-day calendar (and demo accounts
        where the config allows)."""
        try:
            counts = seed_reference_data(SEED_DIR)
        except SeedError as error:  # a bad seed file: nothing was written
            raise click.ClickException(str(error)) from None
        click.echo(
            f"seeded {counts['policies']} policies, {counts['windows']} windows, "
            f"{counts['departments']} departments, "
            f"{counts['calendar_years']} calendar years"
        )
        if current_app.config["DEMO_ACCOUNTS"]:
            try:
                _, created = seed_demo_accounts(SEED_DIR)
            except SeedError as error:
                raise click.ClickException(str(error)) from None
            click.echo(f"demo accounts: {len(created)} created")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--role", required=True)
    @click.option("--window", "window_code", default=None, help="window code, for a window_clerk")
    @click.option("--department", "department_code", default=None, help="department code")
    @click.option(
        "--head", "department_head", is_flag=True, help="the department's head (gets escalations)"
    )
    @click.option("--name", default=None)
    @click.option("--email", default=None, help="where the staff member's email notices go")
    @click.option("--password", default=None, help="read from standard input when omitted")
    def create_user(  # noqa: PLR0913 (one parameter per option)
        username, role, window_code, department_code, department_head, name, email, password
    ):
        """Create a staff account."""
        if password is None:
            if sys.stdin.isatty():
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            else:
                password = sys.stdin.readline().rstrip("\r\n")
        try:
            user = create_staff_user(
                username, password, role, name, window_code, department_code, department_head,
                email=email,
            )  # fmt: skip
        except DomainError as error:
            details = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in error.errors.items()
            )
            raise click.ClickException(f"{error.message} {details}".strip()) from None
        click.echo(f"created {user.role} {user.username} (id {user.id})")

    @app.cli.command("verify-audit")
    def verify_audit():
        """Check every case's audit chain; exit 1 at the first broken link."""
        check = find_first_break()
        if check.first_break is not None:
            click.echo(f"broken: {check.first_break}")
            raise SystemExit(1)
        click.echo(f"verified {check.cases_checked} cases, every chain intact")


def _register_key_commands(app: Flask) -> None:
    @app.cli.command("new-key")
    def new_key_command():
        """Print a fresh key for PERSONAL_DATA_KEYS ("id:key") or PERSONAL_DATA_HASH_KEY."""
        click.echo(new_key())

    @app.cli.command("rotate-keys")
    def rotate_keys():
        """Reseal every identity number and phone with the first key of PERSONAL_DATA_KEYS."""
        counts = reseal_personal_data()
        click.echo(
            f"resealed {counts['resealed']} of {counts['users']} users and "
            f"{counts['messages']} unsent code messages with key {sealing_key_id()}; "
            "keys after the first may now be removed"
        )

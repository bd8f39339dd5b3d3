"""Operator commands: `flask --app api seed` and `flask --app api create-user`."""

import sys

import click
from flask import Flask, current_app

from config import SEED_DIR
from workflow.errors import DomainError
from workflow.services.accounts import create_staff_user
from workflow.services.seeding import seed_demo_accounts, seed_reference_data


def register_commands(app: Flask) -> None:
    @app.cli.command("seed")
    def seed():
        """Load policies, windows and departments (and demo accounts where the config allows)."""
        counts = seed_reference_data(SEED_DIR)
        click.echo(
            f"seeded {counts['policies']} policies, {counts['windows']} windows, "
            f"{counts['departments']} departments"
        )
        if current_app.config["DEMO_ACCOUNTS"]:
            _, created = seed_demo_accounts(SEED_DIR)
            click.echo(f"demo accounts: {len(created)} created")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--role", required=True)
    @click.option("--window", "window_code", default=None, help="window code, for a window_clerk")
    @click.option("--department", "department_code", default=None, help="department code")
    @click.option("--name", default=None)
    @click.option("--password", default=None, help="read from standard input when omitted")
    def create_user(username, role, window_code, department_code, name, password):
        """Create a staff account."""
        if password is None:
            if sys.stdin.isatty():
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            else:
                password = sys.stdin.readline().rstrip("\r\n")
        try:
            user = create_staff_user(username, password, role, name, window_code, department_code)
        except DomainError as error:
            details = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in error.errors.items()
            )
            raise click.ClickException(f"{error.message} {details}".strip()) from None
        click.echo(f"created {user.role} {user.username} (id {user.id})")

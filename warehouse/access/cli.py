"""`council users ...`: manage dashboard users. The lead registers ``users`` on ``council``:

    from warehouse.access.cli import users
    main.add_command(users)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from warehouse.access.roles import SERVICES, Role
from warehouse.settings import state_dir_for


@click.group()
def users() -> None:
    """Dashboard users (kept in DATA/state/users.json, outside the warehouse)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--service", type=click.Choice(list(SERVICES)), help="A frontline manager's service.")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Reset an existing user's role and password.")
def users_add(name: str, role: str, service: str | None, data_dir: Path, replace: bool) -> None:
    """Add a user; the password is read from standard input (prompted for on a terminal)."""
    from warehouse.access.users import UserError, UserStore

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = UserStore(state_dir_for(data_dir)).add(name, role, password, service, replace=replace)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {user.name}: {user.label}")


@users.command("list")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
def users_list(data_dir: Path) -> None:
    """List users and their roles (never their passwords)."""
    from warehouse.access.users import UserStore

    for user in UserStore(state_dir_for(data_dir)).users():
        click.echo(f"{user.name}\t{user.label}")


@users.command("demo")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path))
def users_demo(data_dir: Path) -> None:
    """Create the demo accounts with random passwords and print them, once."""
    from warehouse.access import demo_accounts

    click.echo("Demo accounts (passwords are shown only now; only their hashes are kept):")
    for name, role, service, password in demo_accounts(state_dir_for(data_dir)):
        label = f"{role} ({service})" if service else role
        click.echo(f"  {name:<18} {label:<32} {password}")

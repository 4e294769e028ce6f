"""``urgentline users``: manage accounts and API tokens from the shell.

The commands are thin (hatch's layout): parse the arguments, build
``Settings``, bring the schema up to date, then run one ``AuthService``
coroutine. A mistake the operator can fix (unknown user, name taken, bad role,
short password) prints one line on stderr and exits 1; nothing here ever
prints or logs a password, and a token is printed once, on stdout, alone, so
``TOKEN=$(urgentline users token sam)`` works.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

import click

from callflow.auth.errors import AuthError
from callflow.auth.roles import Role
from callflow.auth.services import AuthService
from callflow.settings import Settings
from callflow.storage.db import Database

T = TypeVar("T")

_ROLE_HELP = "role to grant (repeatable): " + ", ".join(r.value for r in Role)


def _run(work: Callable[[AuthService], Coroutine[Any, Any, T]]) -> T:
    """Open the configured database, migrate it, run ``work``; user errors exit 1."""
    settings = Settings()
    db = Database(settings.database_url)
    try:
        db.migrate()
        return asyncio.run(work(AuthService(db)))
    except AuthError as exc:
        raise click.ClickException(_describe(exc)) from None
    finally:
        db.dispose()


def _describe(exc: AuthError) -> str:
    details = ", ".join(f"{k}={v}" for k, v in exc.details.items())
    return f"{exc.error_id}: {exc.message}" + (f" ({details})" if details else "")


def _read_password(from_stdin: bool) -> str:
    """From one line of stdin (scripts) or a hidden, confirmed prompt (people)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@click.group(name="users", short_help="Manage users, roles and API tokens.")
def users() -> None:
    """Manage users, roles and API tokens (in URGENTLINE_DATABASE_URL)."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, metavar="ROLE", help=_ROLE_HELP)
@click.option("--password-stdin", is_flag=True, help="read the password from one line of stdin")
@click.option("--no-password", is_flag=True, help="token-only account (cannot sign in)")
def add(username: str, roles: tuple[str, ...], password_stdin: bool, no_password: bool) -> None:
    """Create user USERNAME with the given roles."""
    if password_stdin and no_password:
        raise click.ClickException("use either --password-stdin or --no-password")
    password = None if no_password else _read_password(password_stdin)
    info = _run(lambda auth: auth.create_user(username, password, roles))
    click.echo(f"user {info.username} created with roles {','.join(sorted(info.roles))}")


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from one line of stdin")
def password(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password and sign them out everywhere."""
    new_password = _read_password(password_stdin)
    _run(lambda auth: auth.set_password(username, new_password))
    click.echo(f"password of {username.strip().lower()} changed; their sessions ended")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Lock USERNAME out: password, tokens and sessions stop working."""
    _run(lambda auth: auth.set_disabled(username, True))
    click.echo(f"user {username.strip().lower()} disabled")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Unlock USERNAME (their tokens work again unless revoked)."""
    _run(lambda auth: auth.set_disabled(username, False))
    click.echo(f"user {username.strip().lower()} enabled")


@users.command("token")
@click.argument("username")
@click.option("--name", default="default", show_default=True, help="label, e.g. the client")
def token(username: str, name: str) -> None:
    """Issue an API token for USERNAME; it is printed once, on stdout, alone."""
    issued = _run(lambda auth: auth.issue_token(username, name))
    click.echo(
        f"token {issued.id} ({issued.prefix}...) for {issued.username}: "
        "store it now, it is not shown again",
        err=True,
    )
    click.echo(issued.token)


@users.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke API token TOKEN_ID at once."""
    _run(lambda auth: auth.revoke_token(token_id))
    click.echo(f"token {token_id} revoked")


@users.command("list")
def list_() -> None:
    """List users, their roles and their tokens (never the secrets)."""

    async def collect(auth: AuthService) -> tuple[list[str], list[str]]:
        user_rows = [
            f"{u.username}\t{','.join(sorted(u.roles))}\t"
            f"{'disabled' if u.disabled else 'active'}\t"
            f"{'password' if u.has_password else 'token-only'}\t{_when(u.created_at)}"
            for u in await auth.list_users()
        ]
        token_rows = [
            f"{t.id}\t{t.username}\t{t.name}\t{t.prefix}...\t{_when(t.created_at)}\t"
            f"{_when(t.last_used_at)}\t{'revoked ' + _when(t.revoked_at) if t.revoked_at else '-'}"
            for t in await auth.list_tokens()
        ]
        return user_rows, token_rows

    user_rows, token_rows = _run(collect)
    click.echo("USERNAME\tROLES\tSTATE\tSIGN-IN\tCREATED")
    for row in user_rows:
        click.echo(row)
    click.echo("")
    click.echo("TOKEN\tUSERNAME\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
    for row in token_rows:
        click.echo(row)


__all__ = ["users"]

"""``urgentline users`` against a SQLite file named by URGENTLINE_DATABASE_URL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow.auth import AuthService, Role
from callflow.cli.users import users
from callflow.storage import Database

from .conftest import PASSWORD


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("URGENTLINE_DATABASE_URL", url)
    return url


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner(catch_exceptions=False).invoke(users, list(args), input=input)


def authenticate_token(url: str, token: str) -> object:
    db = Database(url)
    try:
        return asyncio.run(AuthService(db).authenticate_token(token))
    finally:
        db.dispose()


def test_add_token_list_revoke(db_url: str) -> None:
    added = run("add", "Sam", "--role", "supervisor", "--role", "commissioner", "--password-stdin",
                input=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout == "user sam created with roles commissioner,supervisor\n"

    issued = run("token", "sam", "--name", "wallboard")
    assert issued.exit_code == 0
    token = issued.stdout.strip()
    assert token.startswith("ult_") and issued.stdout == token + "\n"  # alone on stdout
    assert "not shown again" in issued.stderr

    identity = authenticate_token(db_url, token)
    assert identity is not None and getattr(identity, "roles", None) == {
        Role.SUPERVISOR,
        Role.COMMISSIONER,
    }

    listed = run("list")
    assert listed.exit_code == 0
    assert "sam\tcommissioner,supervisor\tactive\tpassword\t" in listed.stdout
    assert "\tsam\twallboard\t" + token[:12] + "...\t" in listed.stdout
    assert token not in listed.stdout

    token_id = listed.stdout.split("TOKEN\t")[1].splitlines()[1].split("\t")[0]
    revoked = run("revoke", token_id)
    assert revoked.exit_code == 0 and revoked.stdout == f"token {token_id} revoked\n"
    assert authenticate_token(db_url, token) is None


def test_password_prompt_and_token_only_accounts(db_url: str) -> None:
    prompted = run("add", "kim", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0
    assert PASSWORD not in prompted.output  # the prompt hides what is typed

    robot = run("add", "scraper", "--role", "supervisor", "--no-password")
    assert robot.exit_code == 0
    assert "scraper\tsupervisor\tactive\ttoken-only" in run("list").stdout

    changed = run("password", "kim", "--password-stdin", input=PASSWORD + " new\n")
    assert changed.exit_code == 0
    assert run("disable", "kim").exit_code == 0
    assert "kim\tadmin\tdisabled" in run("list").stdout
    assert run("enable", "kim").exit_code == 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("token", "nobody"), None, "Error: no-such-user: No such user (username=nobody)\n"),
        (("revoke", "4242"), None, "Error: no-such-token: No such token (token_id=4242)\n"),
        (("revoke", "99999999999"), None, None),
        (
            ("add", "sam", "--role", "root", "--no-password"),
            None,
            "Error: invalid-role: Unknown role; use commissioner, supervisor, provider "
            "or admin (role=root)\n",
        ),
        (
            ("add", "amy", "--role", "admin", "--password-stdin"),
            "short\n",
            "Error: weak-password: Passwords must be 12 to 1024 characters long "
            "(min_length=12, max_length=1024)\n",
        ),
        (("password", "nobody", "--password-stdin"), PASSWORD + "\n", None),
        (("disable", "nobody"), None, None),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    db_url: str, args: tuple[str, ...], stdin: str | None, message: str | None
) -> None:
    result = run(*args, input=stdin)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    if message is not None:
        assert result.stderr == message


def test_duplicate_user_exits_1(db_url: str) -> None:
    assert run("add", "sam", "--role", "admin", "--no-password").exit_code == 0
    again = run("add", "SAM", "--role", "admin", "--no-password")
    assert again.exit_code == 1
    assert (
        again.stderr == "Error: user-exists: A user with this name already exists (username=sam)\n"
    )

"""The four roles and the one rule between them: ``admin`` implies every role.

Roles are coarse on purpose (DESIGN principle 7): each names a kind of person
in MISSION.md's table, and a route says which of them may use it. Finer rules
(which provider sees which call) belong to the feature that owns the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from callflow.auth.errors import InvalidRoleError


class Role(StrEnum):
    """Who a user is to the service; stored by value, so never rename a member."""

    COMMISSIONER = "commissioner"
    SUPERVISOR = "supervisor"
    PROVIDER = "provider"
    ADMIN = "admin"


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Turn role names (from the CLI, an API body or the database) into roles.

    Args:
        values: role names; surrounding blanks and empty items are ignored.

    Returns:
        The set of roles.

    Raises:
        InvalidRoleError: a name is not one of the four roles.
    """
    roles: set[Role] = set()
    for raw in values:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            raise InvalidRoleError(name) from None
    return frozenset(roles)


def encode_roles(roles: Iterable[Role]) -> str:
    """The column form: a sorted comma list, stable so rows compare and diff cleanly."""
    return ",".join(sorted(role.value for role in roles))


def decode_roles(column: str) -> frozenset[Role]:
    """Inverse of ``encode_roles``; an unknown stored name is an error, never ignored."""
    return parse_roles(column.split(","))


def grants(held: frozenset[Role], wanted: frozenset[Role]) -> bool:
    """True when someone holding ``held`` may use a route open to any of ``wanted``.

    ``admin`` implies all roles; an empty ``wanted`` means "any signed-in user".
    """
    if not wanted or Role.ADMIN in held:
        return True
    return not held.isdisjoint(wanted)

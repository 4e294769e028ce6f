"""Who may call a route, declared on the handler itself.

Three decorators mark a handler (a function, or a ``web.View`` class or one of
its methods)::

    @public                                   # anyone, signed in or not
    async def healthz(request): ...

    @authenticated                            # any signed-in user, whatever the role
    async def me(request): ...

    @require(Role.SUPERVISOR, Role.COMMISSIONER)   # any of these roles (admin always)
    async def dashboard(request): ...

The middleware **denies by default**: a handler with no declaration is treated
as ``require(Role.ADMIN)``, so forgetting to declare never opens an endpoint.
Static files and ``/healthz`` / ``/readyz`` are public without a declaration.

The declaration is an attribute on the handler, so it survives
``functools.wraps`` and sub-applications, and ``route_access(app)`` can list the
whole route table for a test that proves nothing is open by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from callflow.auth.roles import Role

ACCESS_ATTR = "__urgentline_access__"
ALWAYS_PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
"""Probes must answer a load balancer that has no credentials."""


@dataclass(frozen=True, slots=True)
class Access:
    """A route's rule: public, or open to signed-in users holding any of ``roles``.

    An empty ``roles`` with ``public=False`` means any signed-in user.
    """

    public: bool = False
    roles: frozenset[Role] = frozenset()

    def __str__(self) -> str:
        if self.public:
            return "public"
        if not self.roles:
            return "authenticated"
        return "roles:" + "|".join(sorted(r.value for r in self.roles))


PUBLIC = Access(public=True)
AUTHENTICATED = Access()
DEFAULT_ACCESS = Access(roles=frozenset({Role.ADMIN}))
"""What an undeclared handler gets: admins only."""

H = TypeVar("H")


def _mark(handler: H, access: Access) -> H:
    existing = getattr(handler, ACCESS_ATTR, None)
    if existing is not None and existing != access:
        raise ValueError(f"conflicting access declarations: {existing} and {access}")
    try:
        setattr(handler, ACCESS_ATTR, access)
    except AttributeError:
        raise TypeError(
            "declare access on the function or View class, not on a bound method"
        ) from None
    return handler


def public(handler: H) -> H:
    """Open a handler to everyone (login page, probes, the public open-data feed)."""
    return _mark(handler, PUBLIC)


def authenticated(handler: H) -> H:
    """Open a handler to any signed-in user, whatever their roles."""
    return _mark(handler, AUTHENTICATED)


def require(*roles: Role | str) -> Callable[[H], H]:
    """Open a handler to users holding any of ``roles``; ``admin`` always may.

    Args:
        roles: ``Role`` members or their names (``"supervisor"``).

    Raises:
        TypeError: no role given (use ``authenticated`` for "any signed-in user").
        ValueError: a name that is not a role; raised at import time, not per request.
    """
    if not roles:
        raise TypeError("require() needs at least one role; use @authenticated for any user")
    try:
        access = Access(roles=frozenset(Role(r) for r in roles))
    except ValueError:
        raise ValueError(f"unknown role in require{roles!r}") from None

    def decorate(handler: H) -> H:
        return _mark(handler, access)

    return decorate


def declared_access(handler: object, method: str | None = None) -> Access | None:
    """The declaration on a handler, or ``None`` when it has none.

    For a ``web.View`` class the method's own declaration wins over the class's.
    """
    if isinstance(handler, type) and issubclass(handler, web.View) and method is not None:
        method_handler = getattr(handler, method.lower(), None)
        found = getattr(method_handler, ACCESS_ATTR, None)
        if isinstance(found, Access):
            return found
    found = getattr(handler, ACCESS_ATTR, None)
    return found if isinstance(found, Access) else None


def access_of_route(route: web.AbstractRoute, method: str | None = None) -> Access:
    """The rule the middleware applies to a route (defaults included).

    Args:
        route: a route of the router.
        method: the request method, for ``*`` routes and ``web.View`` classes.
    """
    resource = route.resource
    if isinstance(resource, web.StaticResource):
        return PUBLIC
    if resource is not None and resource.canonical in ALWAYS_PUBLIC_PATHS:
        return PUBLIC
    return declared_access(route.handler, method or route.method) or DEFAULT_ACCESS


def route_access(app: web.Application) -> list[tuple[str, str, Access]]:
    """Every route of ``app`` (sub-applications included) with the rule applied to it.

    Returns:
        ``(method, path, access)`` triples in registration order; ``path`` is the
        resource's canonical form (``/api/tokens/{id}``; a static prefix for files).
    """
    rows: list[tuple[str, str, Access]] = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        handler = route.handler
        if route.method == "*" and isinstance(handler, type) and issubclass(handler, web.View):
            # A class-based view answers several methods, each maybe declared apart.
            for method in _VIEW_METHODS:
                if callable(getattr(handler, method.lower(), None)):
                    rows.append((method, path, access_of_route(route, method)))
            continue
        rows.append((route.method, path, access_of_route(route)))
    return rows


_VIEW_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

"""The OpenAPI document of the service, built from the live route table.

Generated rather than hand-kept so it cannot drift from the routes: each
operation takes its summary from the handler's docstring and states who may
call it (``x-urgentline-access``), as the access middleware enforces it.
"""

from __future__ import annotations

import inspect
from typing import Any

from aiohttp import web

from callflow.auth import route_access
from callflow.auth.middleware import SESSION_COOKIE

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def openapi_document(app: web.Application, version: str) -> dict[str, Any]:
    access = {(method, path): str(rule) for method, path, rule in route_access(app)}
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        if route.method not in METHODS or route.resource is None:
            continue
        path = route.resource.canonical
        doc = inspect.getdoc(route.handler) or ""
        rule = access.get((route.method, path), "roles:admin")
        operation: dict[str, Any] = {
            "summary": doc.splitlines()[0] if doc else path,
            "x-urgentline-access": rule,
            "responses": {"200": {"description": "OK"}},
        }
        if rule != "public":
            operation["security"] = [{"bearer": []}, {"session": []}]
            operation["responses"].update(
                {"401": {"description": "not signed in"}, "403": {"description": "wrong role"}}
            )
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "urgentline", "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
            }
        },
    }

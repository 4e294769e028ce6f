"""The care-plan API: thin handlers over ``PlanService``.

| route | who | what |
| --- | --- | --- |
| ``GET /api/careplans?nhs_number=…`` | provider | the patient's shareable plans |
| ``GET /api/careplans/{id}`` | provider | one whole plan, with open conflicts |
| ``GET /api/careplans/conflicts`` | admin | conflicts between sources to review |
| ``POST /api/careplans/import`` | admin | a FHIR Bundle or a register CSV |

Every read is audited (who: the signed-in user; why: ``purpose``, one of
``direct-care`` (default), ``call``, ``review``; which call: ``call_id``).
Responses holding patient data are ``Cache-Control: no-store``. Errors are
JSON (``callflow.plans.errors``) and never echo an NHS number.

The NHS number travels in the query string, as the route is specified, and
query strings reach access logs: serve the app with
``access_log_class=QuerylessAccessLogger`` (``callflow.plans.accesslog``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from callflow.auth import Role, identity_of, require
from callflow.plans.errors import (
    ImportTooLargeError,
    InvalidNhsNumberError,
    InvalidParameterError,
    NoSuchPlan,
    PlanApiError,
    UnreadableImportError,
)
from callflow.plans.keys import PLANS, PLANS_IMPORT_LIMIT
from careplans.audit import Purpose
from careplans.errors import InvalidNhsNumber, UnreadableFileError
from careplans.identifiers import normalise_nhs_number
from careplans.importing import LAYOUTS

_PLAN_ID = re.compile(r"[0-9a-f]{32}")
_CALL_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_SOURCE = re.compile(r"[A-Za-z0-9._:/-]{1,64}")
NO_STORE = {"Cache-Control": "no-store"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _api(handler: Handler) -> Handler:
    """Render ``PlanApiError`` as JSON; keeps the handler's name and docstring."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except PlanApiError as exc:
            return web.json_response(exc.as_json(), status=exc.status, headers=NO_STORE)

    return wrapper


def _actor(request: web.Request) -> str:
    identity = identity_of(request)
    return f"user:{identity.username}" if identity is not None else "user:(unknown)"


def _purpose(request: web.Request) -> tuple[Purpose, str | None]:
    raw = request.query.get("purpose", Purpose.DIRECT_CARE.value)
    try:
        purpose = Purpose(raw)
    except ValueError:
        choices = ", ".join(p.value for p in Purpose)
        raise InvalidParameterError("purpose", f"one of {choices}") from None
    call_id = request.query.get("call_id") or None
    if call_id is not None and not _CALL_ID.fullmatch(call_id):
        raise InvalidParameterError("call_id", "1-64 letters, digits and . _ : -")
    if purpose is Purpose.CALL and call_id is None:
        raise InvalidParameterError("call_id", "required when purpose is call")
    return purpose, call_id


@require(Role.PROVIDER)
@_api
async def list_plans(request: web.Request) -> web.Response:
    """A patient's care and crisis plans, by NHS number (each read audited)."""
    raw = request.query.get("nhs_number", "")
    if not raw:
        raise InvalidNhsNumberError("required")
    try:
        nhs_number = normalise_nhs_number(raw)
    except InvalidNhsNumber as exc:
        raise InvalidNhsNumberError(str(exc)) from None
    purpose, call_id = _purpose(request)
    plans = await request.app[PLANS].patient_plans(
        nhs_number, actor=_actor(request), purpose=purpose, call_id=call_id
    )
    return web.json_response({"nhs_number": nhs_number, "plans": plans}, headers=NO_STORE)


@require(Role.PROVIDER)
@_api
async def get_plan(request: web.Request) -> web.Response:
    """One care or crisis plan, whole, with its open conflicts (the read is audited)."""
    plan_id = request.match_info["plan_id"]
    if not _PLAN_ID.fullmatch(plan_id):
        raise NoSuchPlan(plan_id)
    purpose, call_id = _purpose(request)
    plan = await request.app[PLANS].read_plan(
        plan_id, actor=_actor(request), purpose=purpose, call_id=call_id
    )
    if plan is None:
        raise NoSuchPlan(plan_id)
    return web.json_response(plan, headers=NO_STORE)


@require(Role.ADMIN)
@_api
async def list_conflicts(request: web.Request) -> web.Response:
    """Conflicts between sources waiting for review (ids and field names)."""
    conflicts = await request.app[PLANS].open_conflicts()
    return web.json_response({"conflicts": conflicts}, headers=NO_STORE)


@require(Role.ADMIN)
@_api
async def import_plans(request: web.Request) -> web.Response:
    """Import a FHIR R4 Bundle or a register CSV; bad rows are reported, the rest land."""
    layout = request.query.get("layout") or None
    if layout is not None and layout not in LAYOUTS:
        raise InvalidParameterError("layout", "one of " + ", ".join(LAYOUTS))
    source = request.query.get("source") or None
    if source is not None and not _SOURCE.fullmatch(source):
        raise InvalidParameterError("source", "1-64 letters, digits and . _ : / -")
    limit = request.app[PLANS_IMPORT_LIMIT]
    if request.content_length is not None and request.content_length > limit:
        raise ImportTooLargeError(limit)
    content = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        content.extend(chunk)
        if len(content) > limit:
            raise ImportTooLargeError(limit)
    if not content.strip():
        raise UnreadableImportError("empty body: send the file's content", None)
    try:
        report = await request.app[PLANS].import_content(
            bytes(content), layout=layout, source=source
        )
    except UnreadableFileError as exc:
        raise UnreadableImportError(exc.reason, exc.line) from None
    return web.json_response(report.as_json(), headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    """The care-plan routes (the static ``conflicts`` and ``import`` paths before ``{id}``)."""
    app.router.add_get("/api/careplans", list_plans)
    app.router.add_get("/api/careplans/conflicts", list_conflicts)
    app.router.add_post("/api/careplans/import", import_plans)
    app.router.add_get("/api/careplans/{plan_id}", get_plan)

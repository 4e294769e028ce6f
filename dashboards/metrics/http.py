"""Metrics over HTTP: the live board and history for supervisors, open data for all.

Routes (``setup_metrics``):

* ``GET /api/metrics/board?window_s=&bucket_s=``: supervisor; the Board as JSON;
* ``GET /api/metrics/history?kind=&key=&since=&until=``: supervisor; stored
  roll-ups of one scope (ISO 8601 times; default the last 24 h; at most 31 days);
* ``GET /api/open/demand``: public; hourly aggregates with small numbers withheld
  (``opendata.py``).

Bad parameters get a 400 ``invalid-metrics-query`` naming the parameter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from callflow.auth import Role, public, require
from callflow.errors import ApiError
from dashboards.metrics.live import SCOPE_KINDS, SYSTEM, SYSTEM_KEY
from dashboards.metrics.opendata import demand
from dashboards.metrics.serialise import board_json, history_json
from dashboards.metrics.service import MetricsService, RagFn, no_rag

METRICS: web.AppKey[MetricsService] = web.AppKey("metrics", MetricsService)
RAG: web.AppKey[RagFn] = web.AppKey("metrics_rag")

MAX_HISTORY = timedelta(days=31)
MAX_BUCKETS = 1440
NO_STORE = {"Cache-Control": "no-store"}
OPEN_DATA_HEADERS = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}


class InvalidMetricsQuery(ApiError):
    status = 400
    error_id = "invalid-metrics-query"


def _bad(parameter: str, message: str) -> InvalidMetricsQuery:
    return InvalidMetricsQuery(message, {"parameter": parameter})


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise _bad(name, f"{name} must be between {low} and {high}")
    return value


def _time(request: web.Request, name: str, default: datetime) -> datetime:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad(name, f"{name} must be an ISO 8601 time") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.as_json(), status=exc.status, headers=NO_STORE)


@require(Role.SUPERVISOR)
async def board(request: web.Request) -> web.Response:
    """The live board: system, provider and pathway rows with their sparklines."""
    metrics = request.app[METRICS]
    try:
        window_s = _int(request, "window_s", metrics.window_s, 60, metrics.live.retention_s)
        bucket_s = _int(request, "bucket_s", metrics.board_bucket_s, 10, window_s)
        if window_s / bucket_s > MAX_BUCKETS:
            raise _bad("bucket_s", f"at most {MAX_BUCKETS} buckets per window")
    except InvalidMetricsQuery as exc:
        return _error(exc)
    view = metrics.board(request.app[RAG], window_s=window_s, bucket_s=bucket_s)
    return web.json_response(board_json(view), headers=NO_STORE)


@require(Role.SUPERVISOR)
async def history(request: web.Request) -> web.Response:
    """Stored roll-ups of one scope, oldest first."""
    metrics = request.app[METRICS]
    try:
        kind = request.query.get("kind", "")
        if kind not in SCOPE_KINDS:
            raise _bad("kind", f"kind must be one of {', '.join(SCOPE_KINDS)}")
        key = SYSTEM_KEY if kind == SYSTEM else request.query.get("key", "")
        if not key:
            raise _bad("key", "key is required for this kind")
        until = _time(request, "until", metrics.clock())
        since = _time(request, "since", until - timedelta(days=1))
        if not since < until <= since + MAX_HISTORY:
            raise _bad("since", "since must be before until, at most 31 days apart")
    except InvalidMetricsQuery as exc:
        return _error(exc)
    points = await metrics.history(kind, key, since, until)
    body = history_json(kind, key, metrics.live.rollup_bucket_s, points)
    return web.json_response(body, headers=NO_STORE)


@public
async def open_demand(request: web.Request) -> web.Response:
    """Open data: hourly demand and answering, system and per pathway, small numbers withheld."""
    metrics = request.app[METRICS]
    return web.json_response(demand(metrics.live, metrics.clock()), headers=OPEN_DATA_HEADERS)


def setup_metrics(app: web.Application, metrics: MetricsService, *, rag: RagFn = no_rag) -> None:
    """Mount the metrics routes on ``app`` (before it starts).

    Args:
        app: the application (with ``setup_auth`` already called).
        metrics: the running metrics service.
        rag: the board's red/amber/green status per row (the alerts part's rules).
    """
    app[METRICS] = metrics
    app[RAG] = rag
    app.router.add_get("/api/metrics/board", board)
    app.router.add_get("/api/metrics/history", history)
    app.router.add_get("/api/open/demand", open_demand)

"""An access logger that leaves query strings out (they may hold an NHS number).

aiohttp's default access log line contains the request line (``%r``), query
string included: ``GET /api/careplans?nhs_number=9434765919``. This logger
writes the method, the path without its query, the status, the size and the
time taken, so an access log never holds patient identifiers.

Usage::

    web.run_app(app, access_log_class=QuerylessAccessLogger)
"""

from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class QuerylessAccessLogger(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.1fms',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time * 1000,
        )

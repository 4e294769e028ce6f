"""The few HTML pages of access control (sign-in form, refusals), from Jinja2.

A private environment rather than ``aiohttp_jinja2.setup``: the application's
own template environment belongs to the dashboards and editor, and the sign-in
page must not depend on their templates. Autoescaping is on for every page.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

_ENV = Environment(
    loader=PackageLoader("callflow.auth", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
"""Headers for pages that hold a form: never cached, never framed, nothing loaded."""


def render(template: str, **context: object) -> str:
    """Render one of this package's templates."""
    return _ENV.get_template(template).render(**context)

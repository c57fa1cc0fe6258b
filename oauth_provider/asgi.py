"""An ASGI wrapper that answers a request Django cannot build with 400 instead of 500.

The same request as in :mod:`oauth_provider.wsgi` (a query string with more fields than
``DATA_UPLOAD_MAX_NUMBER_FIELDS``, sent with a ``Content-Type`` that names a charset)
makes Django's ASGI handler fail too, before any middleware or view runs. Wrap the
site's ASGI application (see docs/deployment.rst)::

    from django.core.asgi import get_asgi_application
    from oauth_provider.asgi import guard

    application = guard(get_asgi_application())
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .wsgi import BODY, too_many_fields

__all__ = ["guard"]

ASGIApplication = Callable[
    [dict[str, Any], Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[Any]
]


def _environ(scope: dict[str, Any]) -> dict[str, str]:
    """The two values :func:`~oauth_provider.wsgi.too_many_fields` reads, from an HTTP scope."""
    content_type = next(
        (value for name, value in scope.get("headers", []) if name.lower() == b"content-type"), b""
    )
    return {
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "CONTENT_TYPE": content_type.decode("latin-1"),
    }


def guard(application: ASGIApplication) -> ASGIApplication:
    """``application``, answering 400 ``invalid_request`` where Django would answer 500."""

    async def guarded(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> Any:
        if scope.get("type") == "http" and too_many_fields(_environ(scope)):
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(BODY)).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": BODY})
            return None
        return await application(scope, receive, send)

    return guarded

"""A WSGI wrapper that answers a request Django cannot build with 400 instead of 500.

Django builds the request object before any middleware or view runs. A query string
with more fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, sent with a ``Content-Type``
that names a charset, makes that construction itself raise (setting the request's
encoding parses the query string again), so the server answers 500 on every URL of the
site, this package's endpoints included. Wrap the site's WSGI application (see the
installation page)::

    from django.core.wsgi import get_wsgi_application
    from oauth_provider.wsgi import guard

    application = guard(get_wsgi_application())
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

__all__ = ["guard"]

WSGIApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

BODY = json.dumps(
    {
        "error": "invalid_request",
        "error_description": "The request has too many parameters in its query string.",
    }
).encode()


def too_many_fields(environ: dict[str, Any]) -> bool:
    """Whether Django would fail to build this request (see the module docstring)."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    query = environ.get("QUERY_STRING", "")
    return (
        limit is not None
        and "charset=" in environ.get("CONTENT_TYPE", "").lower()
        and bool(query)
        and query.count("&") + 1 > limit
    )


def guard(application: WSGIApplication) -> WSGIApplication:
    """``application``, answering 400 ``invalid_request`` where Django would answer 500."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if too_many_fields(environ):
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(BODY))),
                ("Cache-Control", "no-store"),
            ]
            start_response("400 Bad Request", headers)
            return [BODY]
        return application(environ, start_response)

    return guarded

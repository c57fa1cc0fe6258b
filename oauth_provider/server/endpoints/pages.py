"""What the owner's pages (consent, connected apps) share: a body Django refuses to parse
gets this package's error page (400), and only then the CSRF check.

Django's ``CsrfViewMiddleware`` reads ``request.POST`` before the view runs. A form body
it refuses (declared in a charset other than UTF-8, or with too many fields) raises
there, and again in Django's own 400 handler, which makes the same check: the owner
would get a 500. These pages are therefore exempt from the middleware, check the body
first, then run the very same CSRF check themselves (``csrf_protect``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ...core.errors import OAuthError
from ...settings import provider_settings
from ..request_checks import charset_problem, unparsable_problem
from .framing import page_context

__all__ = ["error_page", "parse_then_protect"]


def error_page(request: HttpRequest, error: OAuthError) -> HttpResponse:
    """An error shown to the owner (never a redirect: the client is not trusted yet)."""
    context = {**page_context(), "error": error.error, "description": error.description}
    return render(request, provider_settings.ERROR_TEMPLATE, context, status=error.status_code)


def parse_then_protect(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` behind a body check, then ``csrf_protect``; the site's CSRF middleware skips it."""
    protected = csrf_protect(view)

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = charset_problem(request) or unparsable_problem(request)
        if problem is not None:
            return error_page(request, problem)
        return protected(request, *args, **kwargs)

    return csrf_exempt(checked)

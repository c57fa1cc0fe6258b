"""Headers and context of the pages where the resource owner decides (consent, connected
apps, revoke, the authorization error page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http.response import HttpResponseBase
from django.views.decorators.clickjacking import xframe_options_deny

from ...settings import provider_settings

__all__ = ["deny_framing", "page_context"]


def deny_framing(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """RFC 9700 §4.15: ``X-Frame-Options: DENY`` for old browsers and CSP ``frame-ancestors
    'none'`` for current ones, which ignore the former when a CSP is present. A policy the
    view already set is kept. Also ``Referrer-Policy: same-origin``, whatever frame the site
    gives the pages (``BASE_TEMPLATE``): links to other sites do not carry the authorization
    request, while the pages' own form posts keep the ``Origin`` that the CSRF check needs."""

    @xframe_options_deny
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return wrapper


def page_context() -> dict[str, Any]:
    """What every owner page's template gets: ``base_template``, the frame it extends."""
    return {"base_template": provider_settings.BASE_TEMPLATE}

"""Pages where the resource owner decides must never be framed (RFC 9700 §4.15)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http.response import HttpResponseBase
from django.views.decorators.clickjacking import xframe_options_deny

__all__ = ["deny_framing"]


def deny_framing(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``X-Frame-Options: DENY`` for old browsers and CSP ``frame-ancestors 'none'`` for
    current ones, which ignore the former when a CSP is present. A policy the view
    already set is kept."""

    @xframe_options_deny
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response

    return wrapper

"""The owner's login as the authorization endpoint sees it: when it happened, and
``prompt=login`` (OpenID Connect Core 1.0 §3.1.2.1), which asks for a new one.

The session keeps the time of the owner's last login (``auth_time``), recorded when
Django's ``user_logged_in`` signal fires, as every login view that calls
``django.contrib.auth.login()`` makes it do. ``prompt=login`` stores in the session the
moment it was asked; until a login newer than that moment, the authorization endpoint
sends the owner back to the login page, whatever the request says.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

__all__ = ["LOGIN_TIME_KEY", "ask_for_fresh_login", "login_time", "needs_fresh_login", "record_login_time"]

#: Session key of the owner's last login, in seconds since the epoch.
LOGIN_TIME_KEY = "oauth_provider_auth_time"
#: Session key of the moment ``prompt=login`` asked for a new login.
FRESH_LOGIN_KEY = "oauth_provider_login_after"


def record_login_time(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: remember when the owner logged in."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_TIME_KEY] = time.time()


def login_time(request: HttpRequest) -> float | None:
    """When the owner of this session last logged in, if known."""
    value = request.session.get(LOGIN_TIME_KEY)
    return value if isinstance(value, (int, float)) else None


def ask_for_fresh_login(request: HttpRequest) -> None:
    """``prompt=login``: no authorization in this session until the owner logs in again."""
    request.session[FRESH_LOGIN_KEY] = time.time()


def needs_fresh_login(request: HttpRequest) -> bool:
    """Whether ``prompt=login`` asked for a login this session has not had since; once it
    has, the request is forgotten."""
    asked = request.session.get(FRESH_LOGIN_KEY)
    if asked is None:
        return False
    logged_in = login_time(request)
    if logged_in is not None and logged_in > asked:
        del request.session[FRESH_LOGIN_KEY]
        return False
    return True

"""Checks every endpoint runs before oauthlib sees a request (RFC 6749 §3.1, §3.2).

Parameters must not repeat, must not hold NUL bytes and must fit
``MAX_PARAMETER_LENGTH``; the token, revocation and introspection endpoints take
form-encoded POST bodies only. Each check returns an :class:`~oauth_provider.errors.OAuthError`
or ``None``.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError

from ..core.errors import InvalidRequest, OAuthError
from ..settings import provider_settings

__all__ = ["charset_problem", "form_post_problem", "parameter_problem", "unparsable_problem"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# RFC 8707 §2 lets `resource` repeat: one per resource server the token is for.
REPEATABLE: frozenset[str] = frozenset({"resource"})


def parameter_problem(params: QueryDict) -> OAuthError | None:
    """Repeated, NUL-bearing or oversized parameters."""
    limit = provider_settings.MAX_PARAMETER_LENGTH
    for name, values in params.lists():
        if len(values) > 1 and name not in REPEATABLE:
            return InvalidRequest(
                f"The {name!r} parameter is repeated; send each parameter once (RFC 6749 §3.1)."
            )
        for value in values:
            if "\x00" in value or "\x00" in name:
                return InvalidRequest(f"The {name!r} parameter holds a NUL byte.")
            if len(value) > limit:
                return InvalidRequest(f"The {name!r} parameter is longer than {limit} characters.")
    return None


def unparsable_problem(request: HttpRequest) -> OAuthError | None:
    """A query string or form body Django refuses to parse.

    Django answers these with its own HTML 400 page; an OAuth endpoint answers with
    ``invalid_request`` in its own format instead.
    """
    try:
        request.GET  # noqa: B018 - parsing is what may fail
        request.POST  # noqa: B018
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return InvalidRequest("The request has too many parameters or too large a body.")
    except MultiPartParserError:
        return InvalidRequest("The multipart request body is malformed.")
    except BadRequest:
        # Django refuses form bodies declared in a charset other than UTF-8.
        return InvalidRequest(f"An {FORM_CONTENT_TYPE} body must be UTF-8.")
    return None


def charset_problem(request: HttpRequest) -> OAuthError | None:
    """A form body declared in a charset other than UTF-8 (RFC 6749 Appendix B; Django 5
    refuses to parse one, Django 4.2 would decode it)."""
    if request.content_type != FORM_CONTENT_TYPE:
        return None
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return InvalidRequest(f"An {FORM_CONTENT_TYPE} body must be UTF-8, not {charset[:40]}.")
    return None


def form_post_problem(request: HttpRequest) -> OAuthError | None:
    """A token, revocation or introspection request that is not a clean form POST."""
    if request.method != "POST":
        return InvalidRequest(
            f"{request.method} is not allowed here; send a POST with an "
            f"{FORM_CONTENT_TYPE} body (RFC 6749 §3.2).",
            headers={"Allow": "POST"},
        )
    if request.content_type != FORM_CONTENT_TYPE:
        return InvalidRequest(
            f"The request body must be {FORM_CONTENT_TYPE}, not {request.content_type or 'missing'}."
        )
    problem = charset_problem(request) or unparsable_problem(request)
    if problem is not None:
        return problem
    if request.GET:
        return InvalidRequest(
            "Send parameters in the request body, not in the URL query (RFC 6749 §2.3.1, §3.2)."
        )
    return parameter_problem(request.POST)

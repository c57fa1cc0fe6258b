"""An MCP server (the official MCP Python SDK's ``MCPServer``) served by a Django view and
protected by bearer tokens, as the MCP authorization spec asks of a resource server::

    from mcp.server import MCPServer
    from oauth_provider.resource.mcp import caller, mcp_view

    server = MCPServer("Hotel")

    @server.tool()
    async def list_my_bookings() -> list[dict]:
        user_id = caller().user_id
        ...

    urlpatterns = [
        path("mcp", mcp_view(server, tool_scopes={"list_my_bookings": ["bookings:read"]})),
        *protected_resource_metadata_urls("mcp"),
    ]

Every request needs a token issued for the endpoint's audience (RFC 8707; 401 with
``resource_metadata`` otherwise, RFC 9728 §5.1); a ``tools/call`` of a tool listed in
``tool_scopes`` needs its scopes (403 ``insufficient_scope`` with ``scope``, which MCP
clients answer by asking for them). The SDK runs in stateless mode with JSON responses,
one short-lived transport per request, so the view works under WSGI and ASGI alike.
Requires the ``mcp`` package (the ``mcp`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ..core.errors import InsufficientScope, OAuthError
from .decorators import bearer_error_response, token_for_request
from .tokens import AccessTokenInfo
from .validation import SITE_AUDIENCE

__all__ = ["MCPCaller", "caller", "mcp_view", "tools_called"]


@dataclass(frozen=True)
class MCPCaller:
    """Who is calling the MCP server: the validated token and its owner's primary key
    (``None`` for a client credentials token), read before any tool runs."""

    token: AccessTokenInfo
    user_id: Any


_caller: ContextVar[MCPCaller | None] = ContextVar("oauth_provider_mcp_caller", default=None)


def caller() -> MCPCaller:
    """The caller of the MCP request being served; for tools."""
    current = _caller.get()
    if current is None:
        raise LookupError("No MCP request is being served by mcp_view().")
    return current


def tools_called(body: bytes) -> list[str]:
    """The names of the tools a JSON-RPC message (or batch) calls; [] when it is not JSON."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return []
    messages = data if isinstance(data, list) else [data]
    names = []
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "tools/call":
            params = message.get("params")
            if isinstance(params, dict) and isinstance(params.get("name"), str):
                names.append(params["name"])
    return names


def _authenticate(request: HttpRequest, scopes: list[str], audience: str | None) -> MCPCaller:
    info = token_for_request(request, scopes, audience)
    # Read here, in a thread: tools run in the event loop, where the ORM may not.
    return MCPCaller(token=info, user_id=getattr(info.user, "pk", None))


def _asgi_scope(request: HttpRequest) -> dict[str, Any]:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1", "replace"))
        for name, value in request.headers.items()
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": "/",
        "raw_path": b"/",
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1", "replace"),
        "root_path": "",
        "headers": headers,
        "client": (request.META.get("REMOTE_ADDR") or "", 0),
        "server": (request.get_host(), 0),
    }


async def _serve(server: Any, request: HttpRequest) -> HttpResponse:
    """Run the SDK's streamable HTTP app for this one request and collect its answer."""
    from mcp.server.transport_security import TransportSecuritySettings

    # Django has checked the Host header (ALLOWED_HOSTS) before the view runs.
    app = server.streamable_http_app(
        streamable_http_path="/",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    body = request.body
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async with app.router.lifespan_context(app):
        await app(_asgi_scope(request), receive, send)
    response = HttpResponse(b"".join(chunks), status=status)
    for name, value in headers:
        if name.lower() not in (b"content-length", b"transfer-encoding", b"connection"):
            response[name.decode("latin-1")] = value.decode("latin-1")
    response["Cache-Control"] = "no-store"
    return response


def mcp_view(
    server: Any,
    *,
    scopes: Sequence[str] = (),
    tool_scopes: Mapping[str, Sequence[str]] | None = None,
    audience: str | None = SITE_AUDIENCE,
) -> Callable[..., Any]:
    """An async Django view serving ``server`` (an ``mcp.server.MCPServer``). ``scopes``:
    needed for every request; ``tool_scopes``: tool name -> scopes its calls need;
    ``audience``: the resource identifier tokens must be for (left out:
    ``RESOURCE_SERVER_AUDIENCE``)."""
    required = list(scopes)
    per_tool = {name: list(values) for name, values in (tool_scopes or {}).items()}

    async def view(request: HttpRequest) -> HttpResponse:
        try:
            who = await sync_to_async(_authenticate)(request, required, audience)
            if request.method == "POST":
                for name in tools_called(request.body):
                    needed = per_tool.get(name, [])
                    if not who.token.has_scopes(needed):
                        raise InsufficientScope(needed)
        except OAuthError as error:
            return bearer_error_response(error, audience)
        token = _caller.set(who)
        try:
            return await _serve(server, request)
        finally:
            _caller.reset(token)

    # A bearer token is not sent by browsers on their own, so CSRF does not apply.
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view

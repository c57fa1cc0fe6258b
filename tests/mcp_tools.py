"""A small MCP server for tests/test_mcp_view.py, served by tests/urls.py at /mcp-test."""

from __future__ import annotations

from mcp.server import MCPServer

from oauth_provider.resource.mcp import caller

server = MCPServer("Test tools")
TOOL_SCOPES = {"whoami": ["write"]}
AUDIENCE = "http://testserver/mcp-test"


@server.tool()
async def echo(text: str) -> str:
    """Says it back."""
    return text


@server.tool()
async def whoami() -> dict:
    """The caller's client and owner (needs the write scope)."""
    who = caller()
    return {"client_id": who.token.client_id, "user_id": who.user_id, "scopes": sorted(who.token.scopes)}

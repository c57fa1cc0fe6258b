"""The hotel API as an MCP server (streamable HTTP at /mcp), for AI agents and other MCP
clients. Built with the official MCP Python SDK and protected by oauth_provider: a client
needs an access token issued for this endpoint (``resource``, RFC 8707), and
``list_my_bookings`` needs the bookings:read scope (see docs/howto/mcp.rst).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from mcp.server import MCPServer

from oauth_provider.resource.mcp import caller

from .models import Booking, Room

server = MCPServer("Hotel Booking", instructions="Search hotel rooms and see your own bookings.")

#: Tool name -> the scopes a call needs; the rest need a valid token for /mcp only.
TOOL_SCOPES = {"list_my_bookings": ["bookings:read"]}


def _rooms(city: str | None, beds: int | None) -> list[dict]:
    rooms = Room.objects.select_related("hotel")
    if city:
        rooms = rooms.filter(hotel__city__iexact=city)
    if beds:
        rooms = rooms.filter(beds__gte=beds)
    return [
        {
            "hotel": room.hotel.name,
            "city": room.hotel.city,
            "room": room.number,
            "kind": room.kind,
            "beds": room.beds,
            "price_per_night": str(room.price_per_night),
        }
        for room in rooms[:50]
    ]


def _bookings(user_id: int | None) -> list[dict]:
    bookings = Booking.objects.filter(guest_id=user_id).select_related("room__hotel")
    return [
        {
            "hotel": booking.room.hotel.name,
            "room": booking.room.number,
            "check_in": booking.check_in.isoformat(),
            "check_out": booking.check_out.isoformat(),
            "nights": booking.nights,
        }
        for booking in bookings
    ]


@server.tool()
async def search_rooms(city: str | None = None, beds: int | None = None) -> list[dict]:
    """Hotel rooms, optionally in a city and with at least this many beds."""
    return await sync_to_async(_rooms)(city, beds)


@server.tool()
async def list_my_bookings() -> list[dict]:
    """The signed-in guest's hotel bookings (needs the bookings:read scope)."""
    return await sync_to_async(_bookings)(caller().user_id)

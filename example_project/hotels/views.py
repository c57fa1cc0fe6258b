"""The hotel-booking API, by who may call it.

general  hotels and rooms: public, no token
user     a guest's own bookings: a user's token with bookings:read / bookings:write
hotel    a hotel's rooms and bookings: staff, with hotel:manage
manager  reports across hotels: managers, or a client credentials token, with reports:read
other    what the API sees in a token (introspection and revocation are the
         authorization server's /oauth/introspect/ and /oauth/revoke/)
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from oauth_provider.resource import TokenHasResourceOwner, TokenHasScope, TokenIsClientOnly, require_scopes

from .models import Booking, Hotel, Room
from .permissions import IsHotelManager, IsHotelStaff
from .serializers import (
    BookingSerializer,
    HotelBookingSerializer,
    HotelReportSerializer,
    HotelSerializer,
    StaffRoomSerializer,
    TokenInfoSerializer,
)


class HotelViewSet(viewsets.ReadOnlyModelViewSet):
    """General: every hotel with its rooms. No token needed."""

    queryset = Hotel.objects.prefetch_related("rooms")
    serializer_class = HotelSerializer
    authentication_classes = []
    permission_classes = [AllowAny]


class BookingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """User: the bookings of the token's user. Reading needs bookings:read, booking and
    cancelling bookings:write; a client credentials token has no user and is refused."""

    serializer_class = BookingSerializer
    permission_classes = [TokenHasResourceOwner & TokenHasScope]
    required_scopes = ["bookings:read"]
    required_scopes_by_method = {"POST": ["bookings:write"], "DELETE": ["bookings:write"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema generation
            return Booking.objects.none()
        return Booking.objects.filter(guest=self.request.user).select_related("room__hotel")

    def perform_create(self, serializer):
        serializer.save(guest=self.request.user, booked_by_client=self.request.auth.client_id)


class HotelRoomViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Hotel: the rooms of the hotels the token's user works at (hotel:manage)."""

    serializer_class = StaffRoomSerializer
    # The scope first: a token without hotel:manage is told which scope it lacks.
    permission_classes = [TokenHasScope & IsHotelStaff]
    required_scopes = ["hotel:manage"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Room.objects.none()
        return Room.objects.filter(hotel__staff=self.request.user).select_related("hotel")


class HotelBookingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Hotel: the bookings at the hotels the token's user works at (hotel:manage)."""

    serializer_class = HotelBookingSerializer
    permission_classes = [TokenHasScope & IsHotelStaff]
    required_scopes = ["hotel:manage"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        return Booking.objects.filter(room__hotel__staff=self.request.user).select_related(
            "room__hotel", "guest"
        )


@extend_schema(responses=HotelReportSerializer(many=True))
@api_view(["GET"])
@permission_classes([TokenIsClientOnly | IsHotelManager])
@require_scopes("reports:read")
def occupancy_report(request):
    """Manager: rooms, bookings, nights and revenue per hotel (reports:read).

    A manager sees the hotels they manage; a service's client credentials token sees all.
    """
    hotels = Hotel.objects.all() if request.auth.is_client_token else request.user.managed_hotels.all()
    rows = []
    for hotel in hotels.prefetch_related("rooms__bookings"):
        bookings = [booking for room in hotel.rooms.all() for booking in room.bookings.all()]
        rows.append(
            {
                "hotel": hotel.name,
                "rooms": len(hotel.rooms.all()),
                "bookings": len(bookings),
                "nights_booked": sum(booking.nights for booking in bookings),
                "revenue": sum(
                    (booking.nights * booking.room.price_per_night for booking in bookings), Decimal(0)
                ),
            }
        )
    return Response(HotelReportSerializer(rows, many=True).data)


class TokenInfoView(APIView):
    """Other: what the API sees in the bearer token. Any valid token will do."""

    permission_classes = [TokenHasScope]
    required_scopes = []

    @extend_schema(responses=TokenInfoSerializer)
    def get(self, request):
        token = request.auth
        return Response(
            {
                "subject": token.subject,
                "client_id": token.client_id,
                "scope": " ".join(sorted(token.scopes)),
                "expires": token.expires,
                "is_client_token": token.is_client_token,
            }
        )

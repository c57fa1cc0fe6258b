from rest_framework import serializers

from .models import Booking, Hotel, Room


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "number", "kind", "beds", "price_per_night"]


class HotelSerializer(serializers.ModelSerializer):
    rooms = RoomSerializer(many=True, read_only=True)

    class Meta:
        model = Hotel
        fields = ["id", "name", "city", "rooms"]


class BookingSerializer(serializers.ModelSerializer):
    """A guest's booking. ``room`` is a room id from ``GET /api/hotels/``."""

    hotel = serializers.CharField(source="room.hotel.name", read_only=True)
    room_number = serializers.CharField(source="room.number", read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "room", "hotel", "room_number", "check_in", "check_out", "nights", "booked_by_client"]
        read_only_fields = ["nights", "booked_by_client"]

    def validate(self, data):
        if data["check_out"] <= data["check_in"]:
            raise serializers.ValidationError("check_out must be after check_in.")
        overlapping = Booking.objects.filter(
            room=data["room"], check_in__lt=data["check_out"], check_out__gt=data["check_in"]
        )
        if overlapping.exists():
            raise serializers.ValidationError("The room is already booked for some of those nights.")
        return data


class HotelBookingSerializer(BookingSerializer):
    """A booking as the hotel's staff see it: with the guest."""

    guest = serializers.CharField(source="guest.get_username", read_only=True)

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "guest"]


class StaffRoomSerializer(serializers.ModelSerializer):
    """A room as the hotel's staff manage it; ``hotel`` must be one they work at."""

    class Meta:
        model = Room
        fields = ["id", "hotel", "number", "kind", "beds", "price_per_night"]

    def validate_hotel(self, hotel):
        if not hotel.staff.filter(pk=self.context["request"].user.pk).exists():
            raise serializers.ValidationError("You do not work at this hotel.")
        return hotel


class HotelReportSerializer(serializers.Serializer):
    hotel = serializers.CharField()
    rooms = serializers.IntegerField()
    bookings = serializers.IntegerField()
    nights_booked = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=12, decimal_places=2)


class TokenInfoSerializer(serializers.Serializer):
    subject = serializers.CharField(allow_null=True, help_text="The resource owner; null for a service.")
    client_id = serializers.CharField()
    scope = serializers.CharField()
    expires = serializers.DateTimeField()
    is_client_token = serializers.BooleanField()

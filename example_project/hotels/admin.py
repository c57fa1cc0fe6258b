from django.contrib import admin

from .models import Booking, Hotel, Room


@admin.register(Hotel)
class HotelAdmin(admin.ModelAdmin):
    list_display = ["name", "city"]
    filter_horizontal = ["staff", "managers"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["hotel", "number", "kind", "beds", "price_per_night"]
    list_filter = ["hotel"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["room", "guest", "check_in", "check_out", "booked_by_client"]
    list_filter = ["room__hotel"]

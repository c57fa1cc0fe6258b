"""Hotels, their rooms, and guests' bookings. Staff work at a hotel; managers oversee several."""

from django.conf import settings
from django.db import models


class Hotel(models.Model):
    """A hotel: public, with its rooms."""

    name = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    # Hotel staff manage the hotel's rooms and bookings ("hotel" functions, scope hotel:manage).
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="staffed_hotels")
    # Managers read reports across their hotels ("manager" functions, scope reports:read).
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="managed_hotels")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Room(models.Model):
    """A room of a hotel, managed by the hotel's staff."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="rooms")
    number = models.CharField(max_length=10)
    kind = models.CharField(max_length=50)
    beds = models.PositiveSmallIntegerField(default=2)
    price_per_night = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["hotel__name", "number"]
        constraints = [models.UniqueConstraint(fields=["hotel", "number"], name="unique_room_number")]

    def __str__(self):
        return f"{self.hotel} room {self.number}"


class Booking(models.Model):
    """A guest's stay in a room, made through a client or by the hotel."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bookings")
    guest = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings")
    check_in = models.DateField()
    check_out = models.DateField()
    # The client that made the booking, for the guest's and the hotel's records.
    booked_by_client = models.CharField(max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["check_in", "pk"]

    def __str__(self):
        return f"{self.room} for {self.guest} from {self.check_in}"

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

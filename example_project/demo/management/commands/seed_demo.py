"""Create or reset the demo's users, hotels, bookings, clients and signing key (idempotent)."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from hotels.models import Booking, Hotel, Room

from demo import credentials

HOTELS = {
    "Harbour View Hotel": {
        "city": "Lisbon",
        "rooms": [
            ("101", "Double", 2, "120.00"),
            ("102", "Twin", 2, "110.00"),
            ("201", "Suite", 4, "260.00"),
        ],
    },
    "Alpine Lodge": {
        "city": "Innsbruck",
        "rooms": [("1", "Single", 1, "80.00"), ("2", "Double", 2, "135.00")],
    },
}


class Command(BaseCommand):
    help = "Create or reset the demo users, hotels, bookings and OAuth clients, with fixed credentials."

    @transaction.atomic
    def handle(self, *args, **options):
        users = self.seed_users()
        self.seed_hotels(users)
        self.seed_signing_keys()
        for client_id, client_options in credentials.CLIENTS.items():
            # The package's own command, as a deployment provisioning fixed clients would run it.
            output = io.StringIO()
            call_command(
                "oauth_provider_create_client",
                client_id=client_id,
                update_if_exists=True,
                stdout=output,
                **client_options,
            )
            created = json.loads(output.getvalue())["created"]
            self.stdout.write(f"Client {client_id}: {'created' if created else 'up to date'}.")

    def seed_signing_keys(self):
        """The first ID token signing key, as a deployment's daily cron job would make it
        (docs/oidc.rst, "Keys and rotation"); later runs rotate only when a key is due."""
        output = io.StringIO()
        call_command("oauth_provider_rotate_keys", stdout=output)
        actions = [f"{step['algorithm']} {step['action']}" for step in json.loads(output.getvalue())["steps"]]
        self.stdout.write(f"Signing keys: {', '.join(actions)}.")

    def seed_users(self):
        User = get_user_model()
        users = {}
        for username, fields in credentials.USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(fields["password"])
            user.first_name, user.last_name = fields["name"]
            user.email = fields["email"]
            user.is_staff = user.is_superuser = username == "admin"
            user.save()
            users[username] = user
        self.stdout.write(f"Users: {', '.join(users)}.")
        return users

    def seed_hotels(self, users):
        for name, fields in HOTELS.items():
            hotel, _ = Hotel.objects.get_or_create(name=name, defaults={"city": fields["city"]})
            for number, kind, beds, price in fields["rooms"]:
                Room.objects.get_or_create(
                    hotel=hotel,
                    number=number,
                    defaults={"kind": kind, "beds": beds, "price_per_night": Decimal(price)},
                )
            hotel.managers.set([users["maria"]])
        Hotel.objects.get(name="Harbour View Hotel").staff.set([users["sam"]])
        if not Booking.objects.filter(guest=users["alice"]).exists():
            start = date.today() + timedelta(days=14)
            for room, offset, nights in [
                (Room.objects.get(hotel__name="Harbour View Hotel", number="101"), 0, 3),
                (Room.objects.get(hotel__name="Alpine Lodge", number="2"), 30, 2),
            ]:
                check_in = start + timedelta(days=offset)
                Booking.objects.create(
                    room=room, guest=users["alice"], check_in=check_in, check_out=check_in + timedelta(nights)
                )
        self.stdout.write(f"Hotels: {', '.join(HOTELS)}.")

"""A TV app that connects with the device grant (RFC 8628): it prints a code and a URL,
polls while you approve it on the hotel site, then lists your bookings.

python manage.py tv_app --settings=partner.settings
"""

import time

from django.core.management.base import BaseCommand, CommandError
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from partner import oauth
from partner.console import show_token_and_bookings


class Command(BaseCommand):
    help = (
        "Connect the partner's TV app (client partner-tv) with the device authorization grant: "
        "open the URL it prints, log in, enter the code, approve; it then lists the bookings."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=int, default=600, help="Give up after this many seconds (default: 600)."
        )

    def handle(self, *args, **options):
        try:
            started = oauth.device_start()
        except Exception as exc:
            raise CommandError(f"The device authorization request failed: {exc}") from exc
        self.stdout.write(f"To connect this TV, open {started['verification_uri']}")
        self.stdout.write(f"and enter the code: {started['user_code']}")
        self.stdout.write(f"(or open {started['verification_uri_complete']})")
        self.stdout.flush()
        deadline = time.monotonic() + min(options["wait"], started["expires_in"])
        try:
            session = oauth.device_poll(started, sleep=time.sleep, deadline=deadline, clock=time.monotonic)
        except OAuth2Error as exc:
            raise CommandError(f"Not connected: {exc.error}: {exc.description}") from exc
        show_token_and_bookings(self.stdout, session, client="partner-tv", prefix="Connected. ")

"""A command-line client for the password grant, discouraged: it sees the owner's password.

python manage.py password_grant --settings=partner.settings --username alice
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from oauthlib.oauth2 import OAuth2Error

from partner import oauth
from partner.console import show_token_and_bookings


class Command(BaseCommand):
    help = (
        "Get a token with the password grant (client partner-cli) and list the user's bookings. "
        "Discouraged: RFC 9700 says the password grant must not be used."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--username", default="alice")
        parser.add_argument("--password", help="Asked for when not given (the demo's: alice-demo-password).")

    def handle(self, *args, **options):
        self.stderr.write(
            "The password grant is discouraged (RFC 9700 §2.4): this client sees your password. "
            "The hotel site allows it for the demo client partner-cli only."
        )
        password = options["password"] or getpass.getpass(f"Password for {options['username']}: ")
        try:
            session = oauth.password_session(options["username"], password)
        except OAuth2Error as exc:
            raise CommandError(f"The authorization server refused: {exc.error}: {exc.description}") from exc
        show_token_and_bookings(self.stdout, session, client="partner-cli")

"""What the partner's command-line clients (password_grant, tv_app) print once connected."""

from django.core.management.base import CommandError, OutputWrapper

from partner import oauth
from partner.trace import redact


def show_token_and_bookings(stdout: OutputWrapper, session, *, client: str, prefix: str = "") -> None:
    """Print the token (redacted) and the bookings the API returns with it."""
    token = session.token
    stdout.write(
        f"{prefix}Access token {redact(token['access_token'])} for {' '.join(token['scope'])}, "
        f"expires in {token['expires_in']} s."
    )
    response = oauth.call_api(session, "GET", "/bookings/", client=client)
    if not response.ok:
        raise CommandError(f"The API answered {response.status_code}: {response.text[:300]}")
    for booking in response.json():
        stdout.write(
            f"  {booking['hotel']}, room {booking['room_number']}: "
            f"{booking['check_in']} to {booking['check_out']} ({booking['nights']} nights)"
        )

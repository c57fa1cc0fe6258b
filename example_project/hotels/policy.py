"""Which scopes each user may grant (OAUTH_PROVIDER["RESOURCE_OWNER_SCOPES"]).

Every user may sign in to a client and let it see and change their own bookings; only a hotel's staff may
grant hotel:manage, and only a manager reports:read. A guest whose client asks for more is
refused at the authorization endpoint with ``access_denied`` and a description naming the
scope, rather than given a token the API would refuse.
"""

GUEST_SCOPES = ["bookings:read", "bookings:write"]
# Every user may sign in to a client with their Hotel Booking account (OpenID Connect).
SIGN_IN_SCOPES = ["openid", "profile", "email"]


def grantable_scopes(user, client):
    scopes = [*GUEST_SCOPES, *SIGN_IN_SCOPES]
    if user.staffed_hotels.exists():
        scopes.append("hotel:manage")
    if user.managed_hotels.exists():
        scopes.append("reports:read")
    return scopes

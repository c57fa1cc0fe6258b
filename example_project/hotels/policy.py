"""Which scopes each user may grant (OAUTH_PROVIDER["RESOURCE_OWNER_SCOPES"]).

Every user may let a client see and change their own bookings; only a hotel's staff may
grant hotel:manage, and only a manager reports:read. A guest whose client asks for more is
refused at the authorization endpoint with ``access_denied`` and a description naming the
scope, rather than given a token the API would refuse.
"""

GUEST_SCOPES = ["bookings:read", "bookings:write"]


def grantable_scopes(user, client):
    scopes = list(GUEST_SCOPES)
    if user.staffed_hotels.exists():
        scopes.append("hotel:manage")
    if user.managed_hotels.exists():
        scopes.append("reports:read")
    return scopes

"""``RESOURCE_OWNER_SCOPES`` policies for the tests: who may grant which scope."""


def staff_grant_everything(user, client):
    """Staff may grant every scope; anyone else ``read`` only."""
    return None if user.is_staff else ["read"]


def nothing_for_this_client(user, client):
    return [] if client.name == "Locked out" else None

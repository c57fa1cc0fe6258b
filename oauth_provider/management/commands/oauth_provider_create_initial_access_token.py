"""``manage.py oauth_provider_create_initial_access_token``: see
:mod:`oauth_provider.ops.commands.create_initial_access_token`."""

from oauth_provider.ops.commands.create_initial_access_token import Command

__all__ = ["Command"]

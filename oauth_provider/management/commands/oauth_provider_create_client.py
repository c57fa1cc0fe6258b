"""``manage.py oauth_provider_create_client``: see :mod:`oauth_provider.ops.commands.create_client`."""

from oauth_provider.ops.commands.create_client import Command

__all__ = ["Command"]

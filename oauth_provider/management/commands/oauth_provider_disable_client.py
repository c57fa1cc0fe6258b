"""``manage.py oauth_provider_disable_client``: see :mod:`oauth_provider.ops.commands.disable_client`."""

from oauth_provider.ops.commands.disable_client import Command

__all__ = ["Command"]

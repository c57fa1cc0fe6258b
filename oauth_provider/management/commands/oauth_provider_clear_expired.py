"""``manage.py oauth_provider_clear_expired``: see :mod:`oauth_provider.ops.commands.clear_expired`."""

from oauth_provider.ops.commands.clear_expired import Command

__all__ = ["Command"]

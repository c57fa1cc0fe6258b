"""``manage.py oauth_provider_rotate_keys``: see :mod:`oauth_provider.ops.commands.rotate_keys`."""

from oauth_provider.ops.commands.rotate_keys import Command

__all__ = ["Command"]

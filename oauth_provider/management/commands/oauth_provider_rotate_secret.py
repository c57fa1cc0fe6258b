"""``manage.py oauth_provider_rotate_secret``: see :mod:`oauth_provider.ops.commands.rotate_secret`."""

from oauth_provider.ops.commands.rotate_secret import Command

__all__ = ["Command"]

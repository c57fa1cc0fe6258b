"""``manage.py oauth_provider_retire_signing_key``: see
:mod:`oauth_provider.ops.commands.retire_signing_key`."""

from oauth_provider.ops.commands.retire_signing_key import Command

__all__ = ["Command"]

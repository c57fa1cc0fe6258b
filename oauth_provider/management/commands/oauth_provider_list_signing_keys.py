"""``manage.py oauth_provider_list_signing_keys``: see
:mod:`oauth_provider.ops.commands.list_signing_keys`."""

from oauth_provider.ops.commands.list_signing_keys import Command

__all__ = ["Command"]

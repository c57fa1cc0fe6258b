"""``manage.py oauth_provider_reencrypt_signing_keys``: see
:mod:`oauth_provider.ops.commands.reencrypt_signing_keys`."""

from oauth_provider.ops.commands.reencrypt_signing_keys import Command

__all__ = ["Command"]

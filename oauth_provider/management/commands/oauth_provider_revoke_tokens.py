"""``manage.py oauth_provider_revoke_tokens``: see :mod:`oauth_provider.ops.commands.revoke_tokens`."""

from oauth_provider.ops.commands.revoke_tokens import Command

__all__ = ["Command"]

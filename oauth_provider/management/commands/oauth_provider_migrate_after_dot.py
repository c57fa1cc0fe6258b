"""``manage.py oauth_provider_migrate_after_dot``: see
:mod:`oauth_provider.ops.commands.migrate_after_dot`."""

from oauth_provider.ops.commands.migrate_after_dot import Command

__all__ = ["Command"]

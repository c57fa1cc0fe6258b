"""``manage.py oauth_provider_import_dot``: see :mod:`oauth_provider.ops.commands.import_dot`."""

from oauth_provider.ops.commands.import_dot import Command

__all__ = ["Command"]

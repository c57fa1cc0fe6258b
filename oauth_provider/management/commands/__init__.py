"""``oauth_provider_*`` management commands (see docs/commands.rst)."""

"""The management commands. Django finds them through the one-line modules in
``oauth_provider/management/commands/``, which import the ``Command`` classes here."""

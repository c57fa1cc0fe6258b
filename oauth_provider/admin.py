"""Django's entry point for the admin, which lives in :mod:`oauth_provider.ops.admin`."""

from .ops import admin  # noqa: F401  (registers the admin classes)

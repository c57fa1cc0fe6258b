"""Deprecated alias of :mod:`oauth_provider.resource.openapi` (removed in 0.3)."""

from ._moved import warn_moved
from .resource.openapi import *  # noqa: F403

warn_moved("oauth_provider.openapi", "oauth_provider.resource.openapi")

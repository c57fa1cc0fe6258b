"""Deprecated alias of :mod:`oauth_provider.resource` (removed in 0.3)."""

from ._moved import warn_moved
from .resource.authentication import *  # noqa: F403

warn_moved("oauth_provider.authentication", "oauth_provider.resource")

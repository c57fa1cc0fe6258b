"""Deprecated alias of :mod:`oauth_provider.storage.maintenance` (removed in 0.3)."""

from ._moved import warn_moved
from .storage.maintenance import *  # noqa: F403

warn_moved("oauth_provider.maintenance", "oauth_provider.storage.maintenance")

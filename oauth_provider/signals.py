"""Deprecated alias of :mod:`oauth_provider.core.signals` (removed in 0.3)."""

from ._moved import warn_moved
from .core.signals import *  # noqa: F403

warn_moved("oauth_provider.signals", "oauth_provider.core.signals")
